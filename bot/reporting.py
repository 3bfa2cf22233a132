"""Runs the pure report flow for one person: load the draft, advance it, keep it, show it."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Message

from bot.rendering import render
from bot.turn import Turn
from conversations import (
    CATEGORIES,
    N_,
    Draft,
    Event,
    Msg,
    Result,
    advance,
    collect,
    current_prompt,
)
from learning.patterns import HEADS_UP
from storage.models import PatternAlert
from storage.repositories import OutboxRepository, PatternRepository
from storage.schemas import ReportCreate

log = logging.getLogger(__name__)


async def begin(turn: Turn) -> None:
    """Start a report, or pick up the one in progress."""
    draft = await turn.draft()
    ctx = await turn.context()
    if draft is None:
        draft = Draft.new()
    else:
        await turn.say(Msg(N_("You have a report in progress. Let's carry on where you were.")))
    await turn.keep(draft)
    await turn.show(current_prompt(draft, ctx))


async def handle(turn: Turn, event: Event, tapped: Message | None = None) -> None:
    """Apply one event to the person's draft and answer it."""
    draft = await turn.draft()
    if draft is None:
        await turn.say(Msg(N_("That report has already been sent or discarded. "
                              "Send /report to start a new one.")))
        return
    result = advance(draft, event, await turn.context())
    if result.outcome == "submitted":
        await submit(turn, draft)
    elif result.outcome == "cancelled":
        await turn.state.clear()
        await turn.say(Msg(N_("Report discarded. Nothing was sent. "
                              "Send /report whenever you want to start again.")))
    else:
        assert result.draft is not None and result.prompt is not None
        await turn.keep(result.draft)
        await _answer(turn, result, tapped)
    if tapped is not None and tapped.reply_markup is not None and not result.in_place:
        await _quietly(tapped.edit_reply_markup(reply_markup=None))


async def _answer(turn: Turn, result: Result, tapped: Message | None) -> None:
    assert result.prompt is not None
    if result.in_place and tapped is not None:
        rendered = render(result.prompt, turn.tr, turn.language)
        await turn.stored()
        await _quietly(tapped.edit_reply_markup(reply_markup=rendered.markup))
    else:
        await turn.show(result.prompt)


async def _quietly(call: object) -> None:
    """Tidying an old message may fail (too old, already changed); the flow goes on."""
    try:
        await call  # type: ignore[misc]
    except TelegramBadRequest as error:
        log.debug("could not tidy a message: %s", error)


async def submit(turn: Turn, draft: Draft) -> None:
    """Store the report, commit, and thank the reporter with its reference."""
    reporter = turn.reporter
    team_id = getattr(reporter, "team_id", None)
    if team_id is None:
        await turn.say(Msg(N_("You're not part of a team any more, so I can't send this yet. "
                              "Please ask your manager for your team's code and send it here.")))
        return
    answers = collect(draft.key, draft.answers)
    places = await turn.repos.teams.places(team_id=team_id)
    place_id = next((p.id for p in places if p.name == answers.place), None)
    report = await turn.repos.reports.create(data=ReportCreate(
        reporter_id=reporter.id, team_id=team_id, language=turn.language, place_id=place_id,
        submitted_at=datetime.now(turn.settings.zone), **asdict(answers)))
    alerts = await PatternRepository(turn.repos.session).check(
        report=report, min_reports=turn.settings.pattern_min_reports,
        window_days=turn.settings.pattern_window_days)
    for alert in alerts:
        if alert.team_id is not None:  # organisation-level alerts stay in the admin
            await _heads_up(turn, alert)
    # The report, its alerts and the end of its draft commit together, before the thanks.
    await turn.state.clear()
    await turn.say(Msg(N_("Thank you. Your near miss has been recorded with the reference "
                          "{reference}.\n\nA reviewer reads every report. What we learn is "
                          "shared with the teams, without names, so it doesn't happen again. "
                          "Speaking up like this keeps people safe."),
                       {"reference": report.reference}))


async def _heads_up(turn: Turn, alert: PatternAlert) -> None:
    """Queue a team's heads-up for its linked groups: counts and place only, never words."""
    assert alert.team_id is not None
    team = await turn.repos.teams.get(team_id=alert.team_id)
    chats = await turn.repos.groups.active_for_teams(team_ids=[alert.team_id])
    if team is None or not chats:
        return
    built_in = dict(CATEGORIES)
    category = await turn.repos.categories.get_by_key(key=alert.category)
    label = (Msg(built_in[alert.category]) if alert.category in built_in
             else category.name if category is not None else alert.category)
    html = turn.tr.text(Msg(HEADS_UP, {"count": alert.report_count, "category": label,
                                       "place": alert.place,
                                       "days": turn.settings.pattern_window_days}),
                        team.language)
    await OutboxRepository(turn.repos.session).enqueue(
        batch=f"alert:{alert.id}", kind="alert",
        messages=[(link.chat_id, True, html) for link in chats])
