"""The digest scheduler: each team's weekly digest into its group chats, exactly once.

Nothing is remembered in memory. Each tick asks, per team, "which period ended at the latest
scheduled moment, and has it run?"; the DigestRun row, committed with the outbox rows, is
the answer. So a restart neither skips a digest (the next tick catches the missed moment up,
once) nor repeats one (the unique row).

A digest covers the time since the team's last digest sent (a week at most two back), so
neither a schedule change nor a skipped moment leaves reports out or counts them twice. A
moment that passed before the team existed or its schedule last changed is recorded but not
sent: a new team, or a team moved from Mondays to Tuesdays on a Wednesday, gets its first
digest at the next moment, not yesterday's at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta, tzinfo
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.i18n import Translator
from learning.bulletins import Gettext
from learning.digest import TOP, CompletedAction, Count, DigestData, RepeatTheme, compose_digest
from storage.models import Team
from storage.repositories import (
    DigestRepository,
    GroupRepository,
    OutboxRepository,
    TeamRepository,
)
from storage.schemas import DigestFacts

log = logging.getLogger(__name__)

# A digest caught up after a restart still reads as this week's news within three days; later
# than that (a server stopped for days), it is recorded unsent and the next one covers it.
MAX_LATENESS = timedelta(days=3)
# How far back a digest reaches when the last one sent is long ago.
MAX_PERIOD = timedelta(days=14)


def latest_moment(now: datetime, *, weekday: int, hour: int, zone: tzinfo) -> datetime:
    """Return the latest weekday-at-hour, in the zone's wall time, at or before now."""
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    moment = datetime.combine(day, time(hour), tzinfo=zone)
    if moment > local:
        moment = datetime.combine(day - timedelta(days=7), time(hour), tzinfo=zone)
    return moment


def previous_moment(moment: datetime) -> datetime:
    """The same wall time a week earlier: 167 or 169 hours across a DST change."""
    return datetime.combine(moment.date() - timedelta(days=7), moment.timetz())


def translations(locales: Path, default: str) -> Callable[[str], Gettext]:
    """gettext_for(language): a callable like the admin's (msgid, **params -> str)."""
    translator = Translator(locales, default)

    def gettext_for(language: str) -> Gettext:
        chosen = translator.choose(language, None)

        def gettext(msgid: str, **params: object) -> str:
            text = translator.gettext(msgid, chosen)
            return text.format(**params) if params else text

        return gettext

    return gettext_for


class DigestScheduler:
    """Enqueues each team's due digest; the outbox sender delivers it."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, zone: tzinfo,
                 gettext_for: Callable[[str], Gettext],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.sessionmaker, self.zone = sessionmaker, zone
        self.gettext_for, self.clock = gettext_for, clock

    async def run(self, stop: asyncio.Event, *, interval: float = 60) -> None:
        """Tick every `interval` seconds until `stop` is set; a failed tick is retried later."""
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:
                log.exception("digest tick failed; trying again in %s s", interval)
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass

    async def tick(self) -> list[str]:
        """Run every team's due digest; return the outbox batches written."""
        async with self.sessionmaker() as session:
            team_ids = [team.id for team in await TeamRepository(session).list()]
        batches = []
        for team_id in team_ids:
            try:
                batch = await self._run_team(team_id, self.clock())
            except Exception:  # one team's bad row must not hold up every other team
                log.exception("digest for team %s failed; retried next tick", team_id)
                continue
            if batch is not None:
                batches.append(batch)
        return batches

    async def _run_team(self, team_id: int, now: datetime) -> str | None:
        """In one transaction: claim the team's latest period, compose, enqueue."""
        async with self.sessionmaker.begin() as session:
            team = await TeamRepository(session).get(team_id=team_id)
            if team is None:
                return None
            end = latest_moment(now, weekday=team.digest_weekday, hour=team.digest_hour,
                                zone=self.zone)
            digests = DigestRepository(session)
            last = await digests.last_run(team_id=team.id)
            if last is not None and last.period_end >= end:
                return None  # done already (or the schedule moved back past it)
            start = previous_moment(end)
            covers = await self._covers_from(digests, team.id, start, end)
            since = team.digest_changed_at or team.created_at
            late = now - end > MAX_LATENESS
            sent = end >= since and not late
            if not await digests.record_run(team_id=team.id, period_start=start,
                                            period_end=end, sent=sent):
                return None
            if late:
                log.warning("digest for team %s due %s not sent: too late", team.id, end)
            if not sent:
                return None
            return await self._enqueue(session, team, start, end, now, covers)

    @staticmethod
    async def _covers_from(digests: DigestRepository, team_id: int, start: datetime,
                           end: datetime) -> datetime:
        """Where the digest's figures begin: the end of the last digest sent (within
        MAX_PERIOD), so nothing is counted twice or left out; the week for the first one."""
        last_sent = await digests.last_run(team_id=team_id, sent=True)
        if last_sent is None or end - last_sent.period_end > MAX_PERIOD:
            return start
        return last_sent.period_end

    async def _enqueue(self, session: AsyncSession, team: Team, start: datetime,
                       end: datetime, now: datetime, covers: datetime) -> str:
        facts = await DigestRepository(session).facts_for(
            team=team, start=covers, end=end, today=now.astimezone(self.zone).date())
        text = compose_digest(digest_data(facts), self.gettext_for(team.language))
        links = await GroupRepository(session).active_for_teams(team_ids=[team.id])
        batch = f"digest:{team.id}:{start.astimezone(UTC):%Y%m%d%H}"
        await OutboxRepository(session).enqueue(
            batch=batch, kind="digest", messages=[(link.chat_id, True, text) for link in links])
        return batch


def digest_data(facts: DigestFacts) -> DigestData:
    """A team's stored facts as the digest is composed from them: the top few of each list."""
    return DigestData(team=facts.team, start=facts.start, end=facts.end, reports=facts.reports,
                      language=facts.language,
                      categories=[Count(*count) for count in facts.categories[:TOP]],
                      places=[Count(*count) for count in facts.places[:TOP]],
                      themes=[RepeatTheme(*theme) for theme in facts.themes[:TOP]],
                      actions=[CompletedAction(*action) for action in facts.actions],
                      learning=facts.learning)

