"""OutboxSender against the fake Bot API with the real create_bot(): delivery and errors.

The sender's clock, sleep and wall time are one FakeClock, so flood waits and retry
backoff take no real time; the fake's flood limits can run on the same clock.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dispatcher import create_bot
from bot.sending import OutboxSender
from core.settings import Settings
from storage.models import OutboxMessage, utcnow
from storage.repositories import OutboxRepository
from tests.helpers.fake_telegram import FakeTelegram

Maker = async_sessionmaker[AsyncSession]
BULLETIN = "<b>Shared learning</b>: check bed rails &amp; sensor mats after every transfer."


class FakeClock:
    """Monotonic seconds and UTC wall time that only move when the code under test sleeps.

    The sender's lanes sleep side by side: a sleep moves the clock to when it ends, counted
    from the moment sleep() is called, and never back, so two lanes waiting out the same
    second take one second, not two.
    """

    def __init__(self) -> None:
        self.t = 0.0
        self.start = utcnow()
        self.sleeps: list[float] = []
        self.on_sleep: Callable[[], None] | None = None

    def __call__(self) -> float:
        return self.t

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t)

    def sleep(self, seconds: float) -> Awaitable[None]:
        """Not a coroutine function: the end is fixed when called, as asyncio.sleep's is."""
        self.sleeps.append(seconds)
        return self._until(self.t + seconds)

    async def _until(self, end: float) -> None:
        self.t = max(self.t, end)
        if self.on_sleep is not None:
            self.on_sleep()
        await asyncio.sleep(0)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake
        # Whatever else a test provokes, the sender itself never runs into a flood limit.
        assert not [call for call in fake.calls if call.source == "flood"]


@pytest.fixture
def settings(database_url: str, fake: FakeTelegram) -> Settings:
    return Settings(_env_file=None, bot_token=fake.token, database_url=database_url,
                    telegram_api_url=fake.base_url)


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    bot = create_bot(settings)
    yield bot
    await bot.session.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_sender(bot: Bot, sessionmaker: Maker, clock: FakeClock) -> Callable[..., OutboxSender]:
    def make(worker_id: str = "w1", *, cls: type[OutboxSender] = OutboxSender,
             **options: Any) -> OutboxSender:
        options = {"clock": clock, "sleep": clock.sleep, "now": clock.now, **options}
        return cls(bot, sessionmaker, worker_id=worker_id, **options)
    return make


def groups(fake: FakeTelegram, count: int) -> list[int]:
    """Group chats the bot is in, -1001000000001 onwards."""
    ids = [-1001000000000 - n for n in range(1, count + 1)]
    for chat_id in ids:
        fake.group_chat(chat_id, f"Team {-chat_id}")
    return ids


async def enqueue(sessionmaker: Maker, chat_ids: list[int], *, batch: str = "bulletin:1",
                  text: str = BULLETIN) -> None:
    async with sessionmaker.begin() as session:
        await OutboxRepository(session).enqueue(
            batch=batch, kind="bulletin", messages=[(c, c < 0, text) for c in chat_ids])


async def counts(sessionmaker: Maker, batch: str = "bulletin:1") -> dict[str, int]:
    async with sessionmaker() as session:
        return await OutboxRepository(session).status_counts(batch=batch)


async def attempts(sessionmaker: Maker) -> list[int]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(OutboxMessage.attempts).order_by("id")))


def sends_per_chat(fake: FakeTelegram) -> Counter[int]:
    """Messages Telegram accepted, per chat."""
    return Counter(call.params["chat_id"] for call in fake.calls_to("sendMessage") if call.ok)


async def test_fifty_groups_each_get_exactly_one_message(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender]
) -> None:
    chats = groups(fake, 50)
    await enqueue(sessionmaker, chats)
    await make_sender().drain()
    assert sends_per_chat(fake) == Counter(dict.fromkeys(chats, 1))
    assert fake.chat(chats[0]).last_text().startswith("Shared learning: check bed rails &")
    assert await counts(sessionmaker) == {"sent": 50}
    fake.assert_no_rejections()


async def test_a_long_bulletin_arrives_as_parts_in_order(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender]
) -> None:
    [chat] = groups(fake, 1)
    paragraphs = [f"<b>Theme {n}</b> " + "staff noticed a risk early. " * 35 for n in range(10)]
    await enqueue(sessionmaker, [chat], text="\n\n".join(paragraphs))
    await make_sender(batch_size=2).drain()
    texts = fake.chat(chat).texts()
    assert len(texts) == 3
    assert [t.count("Theme") for t in texts] == [4, 4, 2]
    assert texts[0].startswith("Theme 0") and texts[2].startswith("Theme 8")
    fake.assert_no_rejections()


async def test_retry_after_is_waited_out_and_not_counted_as_a_failure(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender],
    clock: FakeClock
) -> None:
    chats = groups(fake, 3)
    await enqueue(sessionmaker, chats)
    fake.fail_next("sendMessage", status=429, retry_after=7)
    await make_sender().drain()
    assert 7 in clock.sleeps
    assert sends_per_chat(fake) == Counter(dict.fromkeys(chats, 1))
    assert await counts(sessionmaker) == {"sent": 3}
    assert await attempts(sessionmaker) == [1, 1, 1]  # the flood wait cost no attempt


async def test_server_errors_are_retried_with_backoff(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender],
    clock: FakeClock
) -> None:
    [chat] = groups(fake, 1)
    await enqueue(sessionmaker, [chat])
    fake.fail_next("sendMessage", status=502, times=2)
    await make_sender(retry_base=2.0).drain()
    assert fake.chat(chat).texts() == [fake.chat(chat).last_text()]
    assert [s for s in clock.sleeps if s >= 1] == [2.0, 4.0]  # the backoff doubles
    assert await counts(sessionmaker) == {"sent": 1}
    assert await attempts(sessionmaker) == [3]


async def test_a_row_is_given_up_after_max_attempts(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender]
) -> None:
    [chat] = groups(fake, 1)
    await enqueue(sessionmaker, [chat])
    fake.fail_next("sendMessage", status=409, times=10)  # a refusal, not an outage
    await make_sender(max_attempts=3).drain()
    assert await counts(sessionmaker) == {"failed": 1}
    async with sessionmaker() as session:
        [failure] = await OutboxRepository(session).failures(batch="bulletin:1")
    assert failure.attempts == 3 and "Conflict" in (failure.error or "")
    assert len(fake.calls_to("sendMessage")) == 3


async def test_an_outage_does_not_use_up_the_attempts_and_retries_at_least_every_30_s(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender],
    clock: FakeClock
) -> None:
    [chat] = groups(fake, 1)
    await enqueue(sessionmaker, [chat])
    fake.fail_next("sendMessage", status=502, times=12)  # about five minutes of Bad Gateway
    await make_sender(max_attempts=3, retry_base=2.0).drain()
    assert await counts(sessionmaker) == {"sent": 1}
    assert await attempts(sessionmaker) == [13]
    assert max(clock.sleeps) == 30.0  # once Telegram is back, the row is not long in coming


async def test_an_outage_gives_a_row_up_a_day_after_it_was_queued(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender],
    clock: FakeClock
) -> None:
    [chat] = groups(fake, 1)
    await enqueue(sessionmaker, [chat])
    clock.t = 24 * 3600.0 + 60  # a day and a minute after it was queued
    fake.fail_next("sendMessage", status=502)
    await make_sender().drain()
    assert await counts(sessionmaker) == {"failed": 1}


async def test_a_group_that_removed_the_bot_fails_and_the_others_still_get_theirs(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender]
) -> None:
    chats = groups(fake, 5)
    gone = chats[2]
    fake.chat(gone).remove_bot()
    await enqueue(sessionmaker, chats, batch="bulletin:1")
    await enqueue(sessionmaker, chats, batch="digest:1")
    forbidden: list[int] = []

    async def on_forbidden(chat_id: int) -> None:
        forbidden.append(chat_id)

    await make_sender(on_forbidden=on_forbidden).drain()
    assert forbidden == [gone]
    assert sends_per_chat(fake) == Counter({c: 2 for c in chats if c != gone})
    assert len([c for c in fake.calls_to("sendMessage") if c.params["chat_id"] == gone]) == 1
    for batch in ("bulletin:1", "digest:1"):
        assert await counts(sessionmaker, batch) == {"sent": 4, "failed": 1}
    async with sessionmaker() as session:
        [failure] = await OutboxRepository(session).failures(batch="digest:1")
    assert failure.chat_id == gone and "kicked" in (failure.error or "")


async def test_a_chat_telegram_does_not_know_fails_with_the_description(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender]
) -> None:
    chats = groups(fake, 2)
    await enqueue(sessionmaker, [*chats, -1009999999999])
    await make_sender().drain()
    assert sends_per_chat(fake) == Counter(dict.fromkeys(chats, 1))
    async with sessionmaker() as session:
        [failure] = await OutboxRepository(session).failures(batch="bulletin:1")
    assert failure.chat_id == -1009999999999
    assert "chat not found" in (failure.error or "") and failure.attempts == 1
