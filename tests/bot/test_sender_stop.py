"""Stopping the sender: a graceful stop loses and repeats nothing; a kill repeats at most
the rows in flight (up to the sender's concurrency), once the dead worker's rows are
recovered."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.sending import OutboxSender
from storage import sqlite_loop
from storage.models import OutboxMessage, utcnow
from storage.repositories import OutboxRepository
from tests.bot import test_sender as shared
from tests.bot.test_sender import FakeClock, Maker, counts, enqueue, groups, sends_per_chat
from tests.helpers.fake_telegram import FakeTelegram

# test_sender.py's fixtures, shared by assignment: tests/bot/conftest.py is not ours to edit.
bot, clock, fake, settings = shared.bot, shared.clock, shared.fake, shared.settings
make_sender = shared.make_sender


class Killed(BaseException):
    """SIGKILL stand-in: not an Exception, so nothing in the sender catches it."""


class KilledAfterAccept(OutboxSender):
    """Dies after Telegram accepted its `fatal`-th message but before marking it sent."""

    fatal = 7

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.accepted = 0

    async def _record_sent(self, row: OutboxMessage, message_id: int) -> None:
        self.accepted += 1
        if self.accepted == self.fatal:
            raise Killed
        await super()._record_sent(row, message_id)

    async def _release(self) -> None:
        """A killed process runs no clean-up."""


def accepted(fake: FakeTelegram) -> int:
    return sum(1 for call in fake.calls_to("sendMessage") if call.ok)


async def test_graceful_stop_finishes_the_messages_in_flight_and_a_new_sender_the_rest(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender]
) -> None:
    chats = groups(fake, 40)
    await enqueue(sessionmaker, chats)
    stop = asyncio.Event()
    first = make_sender("w1")
    send = first.bot.send_message
    answered_at_stop: list[int] = []

    async def stop_during_the_tenth(*args: Any, **kwargs: Any) -> Any:
        if len(fake.calls_to("sendMessage")) >= 9 and not stop.is_set():
            answered_at_stop.append(len(fake.calls_to("sendMessage")))
            stop.set()  # SIGTERM arrives while the tenth request (or a later one) is on its way
        return await send(*args, **kwargs)

    first.bot.send_message = stop_during_the_tenth  # type: ignore[method-assign]
    await asyncio.wait_for(first.run(stop), timeout=10)
    status = await counts(sessionmaker)
    assert "sending" not in status  # nothing left claimed: what was not sent was released
    # Every message Telegram accepted was marked sent: those in flight were finished, and
    # nothing was started after the stop beyond them.
    assert status.get("sent") == accepted(fake)
    # this request and the others already on their way: at most `concurrency` in all
    assert answered_at_stop[0] < status["sent"] <= answered_at_stop[0] + first.concurrency
    assert status["pending"] == 40 - status["sent"]
    first.bot.send_message = send  # type: ignore[method-assign]
    await make_sender("w2").drain()
    assert sends_per_chat(fake) == Counter(dict.fromkeys(chats, 1))
    fake.assert_no_rejections()


async def test_run_waits_for_work_and_returns_when_stopped(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender]
) -> None:
    chats = groups(fake, 3)
    stop = asyncio.Event()
    sender = make_sender(clock=time.monotonic, sleep=asyncio.sleep, now=utcnow, poll_interval=0.01)
    task = asyncio.create_task(sender.run(stop))
    await enqueue(sessionmaker, chats)
    await fake.wait_for(lambda: len(fake.calls_to("sendMessage")) == 3)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert await counts(sessionmaker) == {"sent": 3}


async def test_a_running_sender_keeps_its_transactions_on_the_loop_thread(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender]
) -> None:
    """On SQLite its one-statement transactions must not hold the connection through turns
    of a busy loop (storage/sqlite_loop.py); recorded at each claim and each mark-sent."""
    chats = groups(fake, 3)
    seen: list[bool] = []

    class Watched(OutboxSender):
        async def _claim(self, limit: int) -> list[OutboxMessage]:
            seen.append(sqlite_loop._on_loop.get())
            return await super()._claim(limit)

        async def _record_sent(self, row: OutboxMessage, message_id: int) -> None:
            seen.append(sqlite_loop._on_loop.get())
            await super()._record_sent(row, message_id)

    stop = asyncio.Event()
    sender = make_sender(cls=Watched, clock=time.monotonic, sleep=asyncio.sleep, now=utcnow,
                         poll_interval=0.01)
    task = asyncio.create_task(sender.run(stop))
    await enqueue(sessionmaker, chats)
    await fake.wait_for(lambda: len(fake.calls_to("sendMessage")) == 3)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert len(seen) >= 4 and all(seen)
    assert not sqlite_loop._on_loop.get()  # the caller's context is left as it was


@pytest.mark.parametrize("concurrency", [1, 8])
async def test_a_killed_sender_repeats_at_most_the_rows_in_flight(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender],
    clock: FakeClock, concurrency: int
) -> None:
    chats = groups(fake, 30)
    await enqueue(sessionmaker, chats)
    with pytest.raises(Killed):
        await make_sender("dead", cls=KilledAfterAccept, batch_size=10,
                          concurrency=concurrency).drain()
    await asyncio.sleep(0.05)  # requests cut off by the kill reach the fake or never do
    status = await counts(sessionmaker)
    unmarked = accepted(fake) - status.get("sent", 0)  # Telegram has them, the database not
    assert 1 <= unmarked <= concurrency
    assert status["sending"] <= 10 and sum(status.values()) == 30  # the claimed batch at most
    if concurrency == 1:
        # 6 marked sent; the 7th accepted but unmarked; 8 to 15 claimed (the batch of 10 is
        # topped up once half of it is settled), never sent.
        assert status == {"sent": 6, "sending": 9, "pending": 15}
    async with sessionmaker.begin() as session:
        recovered = await OutboxRepository(session).recover_stale(
            older_than=clock.now() + timedelta(seconds=1))
    assert recovered == status["sending"]
    await make_sender("new").drain()
    per_chat = sends_per_chat(fake)
    assert set(per_chat) == set(chats)
    duplicates = sum(n - 1 for n in per_chat.values())
    assert duplicates == unmarked  # only the rows in flight, of all the dead worker held
    assert await counts(sessionmaker) == {"sent": 30}


async def test_a_running_sender_takes_back_rows_a_dead_worker_left(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender]
) -> None:
    chats = groups(fake, 2)
    await enqueue(sessionmaker, chats)
    async with sessionmaker.begin() as session:
        await OutboxRepository(session).claim(worker="dead", now=utcnow(), limit=2)
    stop = asyncio.Event()
    sender = make_sender(clock=time.monotonic, sleep=asyncio.sleep, now=utcnow,
                         poll_interval=0.01, stale_after=0.05)
    task = asyncio.create_task(sender.run(stop))
    await fake.wait_for(lambda: len(fake.calls_to("sendMessage")) == 2)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert sends_per_chat(fake) == Counter(dict.fromkeys(chats, 1))
