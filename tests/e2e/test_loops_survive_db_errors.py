"""The background loops survive a database that fails for a while, then work again: the
digest scheduler, the retention job and the outbox sender (started again by the app).
In-process counterparts of tests/e2e/test_outage_drills.py's database drill."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dispatcher import create_bot
from bot.scheduler import DigestScheduler, translations
from core.settings import Settings, locales_dir
from nearmiss.bot_in_app import BotInApp
from nearmiss.retention import RetentionJob
from storage.models import DigestRun, RetentionRun, Team
from storage.repositories import OutboxRepository
from tests.helpers.fake_telegram import FakeTelegram

TIMEOUT = 90.0


def _delivered(fake: FakeTelegram, marker: str) -> Counter[int]:
    return Counter(call.params["chat_id"] for call in fake.calls_to("sendMessage")
                   if call.ok and marker in call.params.get("text", ""))



class FlakySessions:
    """A sessionmaker whose first `failures` sessions fail as an unreachable server does."""

    def __init__(self, real: async_sessionmaker[AsyncSession], failures: int) -> None:
        self.real, self.failures = real, failures

    def _check(self) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("drill"))

    def __call__(self) -> AsyncSession:
        self._check()
        return self.real()

    def begin(self) -> Any:
        self._check()
        return self.real.begin()


async def _until(predicate: Callable[[], Awaitable[bool]], stop: asyncio.Event) -> None:
    """Poll a database condition (the loops under test tick on their own, not on the fake)."""
    try:
        for _ in range(600):
            if await predicate():
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the loop never worked again after the database came back")
    finally:
        stop.set()


async def test_digest_and_retention_loops_survive_database_errors(
        sessionmaker: async_sessionmaker[AsyncSession], team: Team) -> None:
    flaky = FlakySessions(sessionmaker, failures=6)
    scheduler = DigestScheduler(flaky, zone=UTC,  # type: ignore[arg-type]
                                gettext_for=translations(locales_dir(), "en"))
    retention = RetentionJob(flaky)  # type: ignore[arg-type]
    stop = asyncio.Event()
    loops = asyncio.gather(scheduler.run(stop, interval=0.01),
                           retention.run(stop, interval=0.01))

    async def both_ran() -> bool:
        async with sessionmaker() as session:
            digests = await session.scalar(select(func.count()).select_from(DigestRun))
            runs = await session.scalar(select(func.count()).select_from(RetentionRun))
        return bool(digests) and bool(runs)

    await _until(both_ran, stop)
    await asyncio.wait_for(loops, timeout=10)
    assert flaky.failures == 0


async def test_the_outbox_sender_is_started_again_after_database_errors(
        settings: Settings, fake: FakeTelegram,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    group = fake.group_chat(-5_000_000, "Team group").id
    async with sessionmaker.begin() as session:
        await OutboxRepository(session).enqueue(batch="b", kind="bulletin",
                                                messages=[(group, True, "Back again")])
    flaky = FlakySessions(sessionmaker, failures=2)
    app = BotInApp(settings, flaky, enabled=True)  # type: ignore[arg-type]
    bot = create_bot(settings)
    stop = asyncio.Event()
    sending = asyncio.create_task(app._keep_sending(bot, stop))
    try:
        await fake.wait_for(lambda: _delivered(fake, "Back again"), timeout=TIMEOUT)
    finally:
        stop.set()
        await asyncio.wait_for(sending, timeout=10)
        await bot.session.close()
    assert flaky.failures == 0 and _delivered(fake, "Back again") == Counter({group: 1})
