"""A report's serious moments: escalating harm or a safeguarding concern, and submitting.

Harm and safeguarding are escalated, not queued: the moment a worker says someone was harmed
or they have a safeguarding concern, the team's contacts are queued a message and the worker
is told what to do now, before the next question. Submitting stores the report, commits, and
thanks the worker with its reference.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from bot.turn import Turn
from conversations import N_, Draft, Msg, ReportAnswers, collect
from learning import escalation as alerts
from storage.models import Escalation, Team
from storage.repositories import EscalationRepository, Raised
from storage.schemas import ReportCreate, ReporterIdentity

INCIDENT = N_("This is an incident, not a near miss.\n\nFollow your service's incident and "
              "safeguarding procedure now. If someone is in danger, call 999.")
ALERTED = N_("I have alerted your team's on-call and safeguarding contacts.")
NOBODY_TO_ALERT = N_("No contact is set up for your team in nearmiss, so nobody has been "
                     "alerted: please phone your manager or on-call now.")
CARRY_ON = N_("When you can, please carry on with this report.")
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
