"""Heads-ups about a pattern of similar near misses: who hears, and what they hear.

De-identified by design: a group hears how many similar near misses, over how long, where (the
place or team, or the hour for a time pattern), the kinds of near miss involved, and that a
reviewer is looking at them; never any worker's words. A reviewer's title for the cluster
(PatternAlert.title) is the only text of it a group may hear.

Who hears, by the alert's scope:
- place and team: the team's linked groups, in the team's language;
- time (one hour of the day across places): each involved team's linked groups, in each team's
  language, without naming places (they may be other teams');
- organisation (three or more teams): no group; administrators see it on the Alerts page.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from conversations import CATEGORIES, N_, NP_, Msg
from core.i18n import Translator
from core.text import Param
from storage.models import PatternAlert, Team
from storage.repositories import (
    CategoryRepository,
    GroupRepository,
    OutboxRepository,
    TeamRepository,
)

AT_PLACE = NP_("{count} similar near miss in {span} at {place}; a reviewer is looking at it.",
               "{count} similar near misses in {span} at {place}; a reviewer is looking at "
               "them.")
IN_TEAM = NP_("{count} similar near miss in {span} across {team}; a reviewer is looking at it.",
              "{count} similar near misses in {span} across {team}; a reviewer is looking at "
              "them.")
AT_HOUR = NP_("{count} similar near miss in {span} at about {hour} in different places; a "
              "reviewer is looking at it.",
              "{count} similar near misses in {span} at about {hour} in different places; a "
              "reviewer is looking at them.")
DAYS = NP_("{n} day", "{n} days")
WEEKS = NP_("{n} week", "{n} weeks")
KINDS = N_("Kinds of near miss: {categories}.")
TITLE = N_("What a reviewer says they share: {title}")
_BUILT_IN = dict(CATEGORIES)


def audience(alert: PatternAlert, member_teams: Collection[int]) -> list[int]:
    """The teams whose linked groups hear of this alert (see the module's docstring)."""
    if alert.scope in ("place", "team") and alert.team_id is not None:
        return [alert.team_id]
    if alert.scope == "time":
        return sorted(set(member_teams))
    return []


def span(first: date, last: date) -> Msg:
    """How long the members span: days under two weeks, else weeks (rounded up)."""
    days = (last - first).days + 1
    if days < 14:
        return Msg.counted(DAYS, days, {"n": days})
    weeks = -(-days // 7)
    return Msg.counted(WEEKS, weeks, {"n": weeks})


def heading(alert: PatternAlert, team: Team) -> Msg:
    """The heads-up's first sentence for one team's groups."""
    common: dict[str, Param] = {"count": alert.report_count,
              "span": span(alert.first_date.date(), alert.last_date.date())}
    if alert.scope == "place":
        return Msg.counted(AT_PLACE, alert.report_count, {**common, "place": alert.place})
    if alert.scope == "team":
        return Msg.counted(IN_TEAM, alert.report_count, {**common, "team": team.name})
    return Msg.counted(AT_HOUR, alert.report_count, {**common, "hour": f"{alert.hour or 0:02d}:00"})


async def queue_heads_ups(session: AsyncSession, translator: Translator, alert: PatternAlert, *,
                          member_teams: Collection[int], categories: Collection[str]) -> int:
    """Queue the alert's heads-up for every group of its audience; how many groups."""
    sent = 0
    for team_id in audience(alert, member_teams):
        team = await TeamRepository(session).get(team_id=team_id)
        chats = await GroupRepository(session).active_for_teams(team_ids=[team_id])
        if team is None or not chats:
            continue
        html = await _text(session, translator, alert, team, categories)
        await OutboxRepository(session).enqueue(
            batch=f"alert:{alert.id}:{team_id}", kind="alert",
            messages=[(link.chat_id, True, html) for link in chats])
        sent += len(chats)
    return sent


async def _text(session: AsyncSession, translator: Translator, alert: PatternAlert, team: Team,
                categories: Collection[str]) -> str:
    language = team.language
    names = [await _category(session, translator, key, language) for key in sorted(categories)]
    lines = [translator.text(heading(alert, team), language),
             translator.text(Msg(KINDS, {"categories": ", ".join(sorted(names))}), language)]
    if alert.title:
        lines.append(translator.text(Msg(TITLE, {"title": alert.title}), language))
    return "\n".join(lines)


async def _category(session: AsyncSession, translator: Translator, key: str,
                    language: str) -> str:
    """A category's name in the language: a built-in one translated, a custom one as named."""
    if key in _BUILT_IN:
        return translator.gettext(_BUILT_IN[key], language)
    custom = await CategoryRepository(session).get_by_key(key=key)
    return custom.name if custom is not None else key
