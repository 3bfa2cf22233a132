"""The pattern pass: looks for similar near misses repeating, among the reports stored since it
last looked, and gives each linked team group a heads-up about a new cluster.

A submission only queues its report (storage/repositories/reports.py). Looking for repeats
reads every report of the category in the window; done inside each submission, a burst of
reports made each one slower than the last. The pass reads once for a whole batch, a moment
later, and commits the alerts, their heads-ups and the batch's leaving the queue together: a
crash before the commit leaves the reports queued for the next pass.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations import CATEGORIES, Msg
from core.i18n import Translator
from core.settings import Settings
from learning.patterns import HEADS_UP
from storage.models import PatternAlert
from storage.repositories import (
    CategoryRepository,
    GroupRepository,
    OutboxRepository,
    PatternRepository,
    TeamRepository,
)
from storage.sqlite_loop import on_loop

log = logging.getLogger(__name__)


class PatternWatch:
    """Checks queued reports a batch at a time, about every `interval` seconds.

    A pass reads every report of the category in the window, however few are queued, and
    holds the loop (and on SQLite the write lock) while it does, the longer the more reports
    the window holds. Every `interval` it sees a burst of submissions once rather than
    several times, and a heads-up is still only seconds behind."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], translator: Translator,
                 *, min_reports: int, window_days: int, interval: float = 5.0,
                 batch: int = 100) -> None:
        self.sessionmaker, self.translator = sessionmaker, translator
        self.min_reports, self.window_days = min_reports, window_days
        self.interval, self.batch = interval, batch

    async def run(self, stop: asyncio.Event) -> None:
        """Check what is queued every `interval` seconds until `stop`; a failed pass (the
        database away) is logged and tried again."""
        while not stop.is_set():
            try:
                await self.drain()
            except Exception as error:  # noqa: BLE001 - logged; the queue keeps the reports
                log.error("pattern check failed (%s: %s); trying again in %.0f s",
                          type(error).__name__, error, self.interval)
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.interval)
            except TimeoutError:
                pass

    async def drain(self) -> int:
        """Check batches until the queue is empty; how many reports were checked."""
        total = 0
        while checked := await self.check_batch():
            total += checked
            await asyncio.sleep(0)  # a long queue (after downtime) never holds up the bot
        return total

    async def check_batch(self) -> int:
        """One batch in one transaction: its new alerts, their heads-ups, off the queue.

        On SQLite the transaction runs on the event loop's thread, so the write lock is held
        for the batch's own work rather than across turns of a busy loop."""
        with on_loop():
            async with self.sessionmaker.begin() as session:
                alerts, checked = await PatternRepository(session).check_queued(
                    min_reports=self.min_reports, window_days=self.window_days,
                    limit=self.batch)
                for alert in alerts:
                    if alert.team_id is not None:  # organisation-level alerts stay in the admin
                        await self._heads_up(session, alert)
        return checked

    async def _heads_up(self, session: AsyncSession, alert: PatternAlert) -> None:
        """Queue a team's heads-up for its linked groups: counts and place only, never words."""
        assert alert.team_id is not None
        team = await TeamRepository(session).get(team_id=alert.team_id)
        chats = await GroupRepository(session).active_for_teams(team_ids=[alert.team_id])
        if team is None or not chats:
            return
        built_in = dict(CATEGORIES)
        category = await CategoryRepository(session).get_by_key(key=alert.category)
        label = (Msg(built_in[alert.category]) if alert.category in built_in
                 else category.name if category is not None else alert.category)
        html = self.translator.text(Msg(HEADS_UP, {"count": alert.report_count,
                                                   "category": label, "place": alert.place,
                                                   "days": self.window_days}), team.language)
        await OutboxRepository(session).enqueue(
            batch=f"alert:{alert.id}", kind="alert",
            messages=[(link.chat_id, True, html) for link in chats])


def pattern_watch(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                  translator: Translator) -> PatternWatch:
    """The pass with the thresholds the settings give."""
    return PatternWatch(sessionmaker, translator, min_reports=settings.pattern_min_reports,
                        window_days=settings.pattern_window_days)
