"""Four senders, as four worker processes would run them, drain one fan-out together.

Each has its own engine, Bot and clock; they share only the database. Every row is sent
exactly once: on PostgreSQL the claims skip each other's locked rows (SKIP LOCKED), on SQLite
they take turns at the write lock (BEGIN IMMEDIATE).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot

from bot.dispatcher import create_bot
from bot.sending import OutboxSender
from core.settings import Settings
from storage.db import create_engine, create_sessionmaker
from storage.models import OutboxMessage
from tests.bot.test_sender import FakeClock, Maker, counts, enqueue, groups, sends_per_chat
from tests.helpers.backend import ON_POSTGRES
from tests.helpers.fake_telegram import FakeTelegram

WORKERS = 4
CHATS = 300


class CountingSender(OutboxSender):
    """Remembers which rows it delivered, to show that every worker took a share."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.delivered: list[int] = []

    async def _deliver(self, row: OutboxMessage) -> bool:
        self.delivered.append(row.id)
        return await super()._deliver(row)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def senders(database_url: str, fake: FakeTelegram) -> AsyncIterator[list[CountingSender]]:
    settings = Settings(_env_file=None, bot_token=fake.token, database_url=database_url,
                        telegram_api_url=fake.base_url)
    engines, bots, senders = [], [], []
    for n in range(WORKERS):
        engine = create_engine(database_url)
        bot: Bot = create_bot(settings)
        clock = FakeClock()
        engines.append(engine)
        bots.append(bot)
        senders.append(CountingSender(bot, create_sessionmaker(engine), worker_id=f"worker-{n}",
                                      clock=clock, sleep=clock.sleep, now=clock.now))
    yield senders
    for bot in bots:
        await bot.session.close()
    for engine in engines:
        await engine.dispose()


async def test_four_workers_send_every_row_of_a_fanout_exactly_once(
        fake: FakeTelegram, sessionmaker: Maker, senders: list[CountingSender]) -> None:
    chats = groups(fake, CHATS)
    await enqueue(sessionmaker, chats)

    await asyncio.wait_for(asyncio.gather(*(sender.drain() for sender in senders)), timeout=120)

    assert sends_per_chat(fake) == Counter(dict.fromkeys(chats, 1))
    assert await counts(sessionmaker) == {"sent": CHATS}
    delivered = [row for sender in senders for row in sender.delivered]
    assert len(delivered) == len(set(delivered)) == CHATS
    if ON_POSTGRES:  # the work was shared, not serialised: SKIP LOCKED claims side by side
        assert all(sender.delivered for sender in senders)
    # On SQLite (where several workers are refused: one machine, one process) a worker whose
    # eight lanes write back to back can keep the lock; SQLite's busy handler polls instead
    # of queueing, so another may get no turn before the rows run out. Each row still goes
    # once, which is what matters there.
    fake.assert_no_rejections()
