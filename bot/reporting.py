"""Runs the pure report flow for one person: load the draft, advance it, keep it, show it.

Harm and safeguarding are escalated, not queued: the moment a worker says someone was harmed
or they have a safeguarding concern, the team's contacts are queued a message and the worker
is told what to do now, before the next question.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message

from bot.rendering import render
from bot.replies import EditMarkup, EditText
from bot.turn import Turn
from conversations import (
    N_,
    ButtonInput,
    Draft,
    Event,
    Msg,
    OtherInput,
    ReportAnswers,
    Result,
    TextInput,
    collect,
)
from learning import escalation as alerts
from storage.models import Escalation, Team
from storage.repositories import (
    EscalationRepository,
    Raised,
)
from storage.schemas import ReportCreate, ReporterIdentity

log = logging.getLogger(__name__)
NOT_MODIFIED = "message is not modified"  # Telegram's words when an edit changes nothing

INCIDENT = N_("This is an incident, not a near miss.\n\nFollow your service's incident and "
              "safeguarding procedure now. If someone is in danger, call 999.")
ALERTED = N_("I have alerted your team's on-call and safeguarding contacts.")
NOBODY_TO_ALERT = N_("No contact is set up for your team in nearmiss, so nobody has been "
                     "alerted: please phone your manager or on-call now.")
CARRY_ON = N_("When you can, please carry on with this report.")
EARLY = N_("I received this message before I asked the question above, so I have not taken "
           "it as the answer. If it is your answer, please send it again.")
INTERRUPTED = N_("Sorry, I was interrupted before I could ask you this, so I have not taken "
                 "your last message as its answer. Your earlier answers are saved.")

THANKS = N_("Thank you. Your near miss has been recorded with the reference {reference}.")
THANKS_INCIDENT = N_("Thank you. This has been recorded as an incident with the reference "
                     "{reference}, marked serious so that reviewers look at it first.")
CONTACTS_GIVEN_REFERENCE = N_("Your team's on-call and safeguarding contacts have been sent "
                              "the reference.")
PRIVACY = {
    "named": N_("A reviewer reads every report. What we learn is shared with the teams, "
                "without names, so it doesn't happen again. I will tell you what changes "
                "because you spoke up."),
    "confidential": N_("Only administrators can see who reported this: reviewers see "
                       "\"confidential\". Your details are used only to tell you what "
                       "changes, and are deleted after the report is closed."),
    "anonymous": N_("Nothing that identifies you has been stored with this report, so no "
                    "feedback can reach you directly. What we learn from it will appear in "
                    "your team's bulletins."),
}
SPEAKING_UP = N_("Speaking up like this keeps people safe.")


async def begin(turn: Turn, *opening: Msg) -> None:
    """Start a report, or pick up the one in progress. `opening` (a welcome) heads the first
    question's message: one message, not two, for someone who has just joined."""
    draft = await turn.draft()
    if draft is None:
        draft = Draft.new()
    else:
        await turn.say(*opening, Msg(N_("You have a report in progress. Let's carry on where "
                                        "you were.")))
        opening = ()
    await turn.keep(draft)
    await turn.show(await turn.prompt(draft), *opening)


async def typed_event(message: Message, turn: Turn) -> Event:
    """A person's message as the flow reads it: typed text (with the message's id, so that an
    edit of it can change the answer), or the button it names ("Today", "Skip"), or something
    that is not text."""
    if message.text is None:
        return OtherInput(kind=message.content_type)
    draft = await turn.draft()
    if draft is not None:
        prompt = await turn.prompt(draft)
        code = render(prompt, turn.tr, turn.language).labels.get(message.text.strip().casefold())
        if code is not None:
            return ButtonInput(step=draft.step, code=code)
    return TextInput(text=message.text, message_id=message.message_id)


async def handle(turn: Turn, event: Event, tapped: Message | None = None,
                 message_id: int | None = None) -> bool:
    """Apply one event (from the person's message `message_id`, or a tap on the message
    `tapped`) and answer it. True when the tap was taken as the answer to the question in
    `tapped` and the message now shows what comes next."""
    progress = await turn.progress()
    draft = progress.draft
    if draft is None:
        await turn.say(Msg(N_("That report has already been sent or discarded. "
                              "Send /report to start a new one.")))
        return False
    typed = isinstance(event, TextInput)
    if turn.delivered_again:  # its answer is in the draft: ask what comes next, apply nothing twice
        result = Result(draft, await turn.prompt(draft))
    elif typed and progress.unseen == draft.step:
        # Most likely the last answer, sent again because this question never came.
        result = Result(draft, await turn.prompt(draft, Msg(INTERRUPTED)))
    elif typed and progress.sent_before_asked(message_id):
        if not turn.superseded():  # one notice for a burst sent before the question came
            await turn.say(Msg(EARLY))
        return False
    else:
        result = await turn.advance(draft, event)
    shown_there = False
    if result.outcome == "submitted":
        await submit(turn, draft)
    elif result.outcome == "cancelled":
        await turn.state.clear()
        await turn.say(Msg(N_("Report discarded. Nothing was sent. "
                              "Send /report whenever you want to start again.")))
    else:
        assert result.draft is not None and result.prompt is not None
        pending = typed and (result.draft.step != draft.step or progress.unseen == draft.step)
        await turn.keep(result.draft, unseen=pending)
        if result.escalate:
            await escalate(turn, result.draft)
        if _answered_by_a_newer_message(turn, draft, result, message_id):
            return False
        there = tapped if _in_place(event, draft, result) else None
        asked = await _answer(turn, result, there)
        shown_there = asked is None
        if pending:
            await turn.keep(result.draft, asked=asked)  # Telegram has the question now
    if tapped is not None and not shown_there:
        await turn.take_buttons_off(tapped, ended=result.outcome is not None)
    return shown_there and not result.in_place


def _answered_by_a_newer_message(turn: Turn, draft: Draft, result: Result,
                                  message_id: int | None) -> bool:
    """Whether a message that moved nothing on goes unanswered, because a newer one of the
    person's is waiting and answers for the draft as it will then stand (bot/bursts.py)."""
    return (message_id is not None and not result.escalate and result.draft is not None
            and result.draft.step == draft.step and turn.superseded())


def _in_place(event: Event, draft: Draft, result: Result) -> bool:
    """Whether the tapped message can show the result: the tap answered the question it
    shows and moved on (a button of an earlier question, or a choice asked again, gets its
    question and notice in a new message) with nothing said since (an escalation's guidance
    comes before the next question)."""
    return result.in_place or (
        isinstance(event, ButtonInput) and event.step == draft.step and not result.escalate
        and result.draft is not None and result.draft.step != draft.step)


async def _answer(turn: Turn, result: Result, there: Message | None) -> int | None:
    """Show the result: in `there` when given, the question tapped (one message a run of
    tapped answers, as in aiogram_dialog: half the calls of sending each question and taking
    the last one's buttons away), else in a new message; the new message's id, or None."""
    assert result.prompt is not None
    if there is not None:
        rendered = render(result.prompt, turn.tr, turn.language)
        await turn.commit_before_speaking()
        if result.in_place:  # a multi-select toggle: only the ticks change
            await _quietly(turn.bot(_keyboard_of(there, rendered.markup)))
            return None
        try:
            await turn.bot(EditText(chat_id=there.chat.id, message_id=there.message_id,
                                    text=rendered.text, reply_markup=rendered.markup))
            await turn.buttons_back_on(there.message_id)
            return None
        except TelegramBadRequest as error:
            if NOT_MODIFIED in str(error):  # the same question, asked again as it stands
                return None
            log.info("could not edit the tapped question, sending it anew: %s", error)
    return (await turn.show(result.prompt)).message_id


def _keyboard_of(message: Message, markup: InlineKeyboardMarkup | None) -> EditMarkup:
    """The call that puts `markup` on `message`."""
    return EditMarkup(chat_id=message.chat.id, message_id=message.message_id,
                      reply_markup=markup)


async def _quietly(call: object) -> None:
    """Changing a toggle's ticks may fail (too old, deleted); the flow goes on."""
    try:
        await call  # type: ignore[misc]
    except TelegramBadRequest as error:
        log.debug("could not change a message's buttons: %s", error)


async def escalate(turn: Turn, draft: Draft) -> None:
    """Queue the alert to the team's contacts, then tell the worker plainly what to do now.

    The alert, the escalated draft and the guidance commit together (turn.say commits), so a
    crash either raises it and tells the worker, or does neither and the answer is asked again.
    """
    team = await _team(turn)
    raised = await _raise(turn, draft, team) if team is not None else None
    contacts = raised.contacts if raised is not None else ()
    await turn.say(Msg(INCIDENT), Msg(ALERTED if contacts else NOBODY_TO_ALERT), Msg(CARRY_ON))


async def _team(turn: Turn) -> Team | None:
    team_id = getattr(turn.reporter, "team_id", None)
    return await turn.repos.teams.get(team_id=team_id) if team_id is not None else None


async def _raise(turn: Turn, draft: Draft, team: Team) -> Raised:
    """Raise the draft's escalation (once per draft) with its de-identified alert."""
    harm = draft.answers.get("harm") or {}
    now = datetime.now(turn.settings.zone)
    language = turn.tr.choose(team.language, None)

    def compose(escalation: Escalation) -> str:
        return turn.tr.text(alerts.alert(
            number=escalation.id, team=team.name, someone_harmed=bool(harm.get("harmed")),
            safeguarding_concern=bool(harm.get("safeguarding")), at=now), language)

    return await EscalationRepository(turn.repos.session).create(
        draft_key=draft.key, team_id=team.id, someone_harmed=bool(harm.get("harmed")),
        safeguarding_concern=bool(harm.get("safeguarding")), now=now, compose=compose)


async def submit(turn: Turn, draft: Draft) -> None:
    """Store the report, commit, and thank the reporter with its reference."""
    team_id = getattr(turn.reporter, "team_id", None)
    # Only an escalation needs the team itself: its contacts are told its name.
    team = await _team(turn) if team_id is not None and draft.escalated else None
    if team_id is None or (draft.escalated and team is None):
        await turn.say(Msg(N_("You're not part of a team any more, so I can't send this yet. "
                              "Please ask your manager for your team's code and send it here.")))
        return
    answers = collect(draft.key, draft.answers)
    place_id = await turn.repos.teams.place_id(team_id=team_id, name=answers.place)
    # Only an escalated draft has an escalation (and then the team was loaded above).
    escalation = (await _escalation_of(turn, draft, team)
                  if draft.escalated and team is not None else None)
    report = await turn.repos.reports.store(data=ReportCreate(
        team_id=team_id, language=turn.language, place_id=place_id,
        submitted_at=datetime.now(turn.settings.zone), identity=_identity(turn, answers),
        # Escalated stays an incident even if the answer changed: the contacts were told.
        kind="incident" if escalation is not None else "near_miss",
        tier="serious" if escalation is not None else None, **asdict(answers)))
    told_contacts = False
    if escalation is not None:
        team = team or await _team(turn)
        if team is not None:
            told_contacts = await _follow_up(turn, escalation, team, report.reference,
                                             report.id)
    # The report (queued for the pattern pass, bot/patterns.py) commits before the draft ends:
    # the draft may live in Redis, outside this transaction. A crash in between leaves the
    # draft, and submitting it again finds the same report (stored once per draft key) and
    # gives the same reference.
    await turn.commit_before_speaking()
    await turn.state.clear()
    await turn.say(*_thanks(report.reference, answers.confidentiality, escalation is not None,
                            told_contacts))


def _identity(turn: Turn, answers: ReportAnswers) -> ReporterIdentity | None:
    """Who reported, only when they chose named or confidential: anonymous stores nothing."""
    if answers.confidentiality == "anonymous":
        return None
    user = turn.user
    assert user is not None
    return ReporterIdentity(user.id, user.first_name, user.username)


async def _escalation_of(turn: Turn, draft: Draft, team: Team) -> Escalation:
    """An escalated draft's escalation; raised now if none is stored (the draft is kept
    escalated before one is raised, so a crash in between can leave it without)."""
    escalation = await EscalationRepository(turn.repos.session).get(draft_key=draft.key)
    if escalation is None:
        escalation = (await _raise(turn, draft, team)).escalation
    return escalation


async def _follow_up(turn: Turn, escalation: Escalation, team: Team, reference: str,
                     report_id: int) -> bool:
    """Link the report to its escalation and send the contacts its reference."""
    language = turn.tr.choose(team.language, None)
    repo = EscalationRepository(turn.repos.session)
    await repo.attach_report(escalation, report_id=report_id, compose=lambda e: turn.tr.text(
        alerts.reported(number=e.id, team=team.name, reference=reference), language))
    return bool(await repo.contacts(team_id=team.id))


def _thanks(reference: str, confidentiality: str, incident: bool,
            told_contacts: bool) -> list[Msg]:
    opening = [Msg(THANKS_INCIDENT if incident else THANKS, {"reference": reference})]
    if told_contacts:
        opening.append(Msg(CONTACTS_GIVEN_REFERENCE))
    return [*opening, Msg(PRIVACY[confidentiality]), Msg(SPEAKING_UP)]
