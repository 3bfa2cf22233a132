"""The daily retention job: erase who reported once reports have been closed long enough,
delete reports older than the organisation keeps care records.

It lives here, beside `serve`, rather than in bot/ (where the digest scheduler is) because
it must run whether or not the bot does: `nearmiss admin` without a token still owes its
reporters their erasure. It is a storage job with a clock, and nothing of Telegram.

Like the digests, nothing is remembered in memory: each tick asks PrivacyRepository to apply
retention for today's date, and the unique RetentionRun row, committed in the same
transaction as the erasures, makes a second tick, a restart or a second process do nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import RetentionRun
from storage.repositories import PrivacyRepository, RetentionOutcome

log = logging.getLogger(__name__)

CHECK_EVERY = 3600.0  # seconds: a day's run starts within the hour after midnight (UTC)


class RetentionJob:
    """Applies the retention policy once per date; `clock` is injectable for tests."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.sessionmaker, self.clock = sessionmaker, clock

    async def run(self, stop: asyncio.Event, *, interval: float = CHECK_EVERY) -> None:
        """Tick now and every `interval` seconds until `stop` is set; failures wait a tick."""
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:
                log.exception("retention run failed; trying again in %s s", interval)
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass

    async def tick(self) -> RetentionOutcome | None:
        """Apply retention for the clock's date in one transaction; None if it already ran."""
        now = self.clock()
        try:
            async with self.sessionmaker.begin() as session:
                outcome = await PrivacyRepository(session).apply_retention(now=now)
        except IntegrityError:
            # Another process inserted today's RetentionRun first (PostgreSQL, concurrently).
            if not await self._ran(now.date()):
                raise
            log.info("retention for %s was run by another process", now.date())
            return None
        if outcome is not None:
            log.info("retention %s: %s identities erased, %s reports deleted", outcome.run_on,
                     len(outcome.identities_erased), len(outcome.reports_deleted))
        return outcome

    async def _ran(self, day: date) -> bool:
        async with self.sessionmaker() as session:
            return await session.scalar(
                select(RetentionRun.id).where(RetentionRun.run_on == day)) is not None


@asynccontextmanager
async def running(job: RetentionJob, *, interval: float = CHECK_EVERY) -> AsyncIterator[None]:
    """Run the job in the background for the duration of the block, then stop it."""
    stop = asyncio.Event()
    task = asyncio.create_task(job.run(stop, interval=interval))
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(task, return_exceptions=True)
