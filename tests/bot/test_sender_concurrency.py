"""Several messages in flight at once: never two to one chat, each chat's rows in id order,
no database transaction held while Telegram answers, and a failing lane stops the others."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from bot.sending import OutboxSender
from tests.bot import test_sender as shared
from tests.bot.test_sender import Maker, counts, enqueue, groups, sends_per_chat
from tests.helpers.fake_telegram import FakeTelegram

# test_sender.py's fixtures, shared by assignment: tests/bot/conftest.py is not ours to edit.
bot, clock, fake, settings = shared.bot, shared.clock, shared.fake, shared.settings
make_sender = shared.make_sender
ROUND_TRIP = 0.02  # real seconds each send takes, so sends overlap if the sender lets them


class Watch:
    """Wraps bot.send_message: a slow round trip, and who was in flight at once."""

    def __init__(self, sender: OutboxSender) -> None:
        self.send = sender.bot.send_message
        self.now: Counter[int] = Counter()
        self.peak = 0
        self.same_chat_at_once = 0
        sender.bot.send_message = self  # type: ignore[method-assign]

    async def __call__(self, chat_id: int, text: str, **kwargs: Any) -> Any:
        self.same_chat_at_once += self.now[chat_id] > 0
        self.now[chat_id] += 1
        self.peak = max(self.peak, sum(self.now.values()))
        try:
            await asyncio.sleep(ROUND_TRIP)
            return await self.send(chat_id, text, **kwargs)
        finally:
            self.now[chat_id] -= 1


async def test_sends_overlap_up_to_the_concurrency_never_two_to_one_chat_and_in_order(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender]
) -> None:
    chats = groups(fake, 12)
    for n in range(3):  # three bulletins to every group: each group's must arrive in order
        await enqueue(sessionmaker, chats, batch=f"bulletin:{n}", text=f"Bulletin {n}")
    sender = make_sender(concurrency=5)
    watch = Watch(sender)
    await sender.drain()
    assert sends_per_chat(fake) == Counter(dict.fromkeys(chats, 3))
    assert watch.peak == 5  # several at once, never more than asked for
    assert watch.same_chat_at_once == 0
    for chat in chats:
        assert fake.chat(chat).texts() == ["Bulletin 0", "Bulletin 1", "Bulletin 2"]


async def test_one_at_a_time_when_asked(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender]
) -> None:
    await enqueue(sessionmaker, groups(fake, 6))
    sender = make_sender(concurrency=1)
    watch = Watch(sender)
    await sender.drain()
    assert watch.peak == 1 and await counts(sessionmaker) == {"sent": 6}


async def test_no_database_connection_is_held_while_telegram_answers(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender]
) -> None:
    """On SQLite the process has one pooled connection: a send holding it would stall the
    bot's every update (and the other sends) for the whole round trip."""
    await enqueue(sessionmaker, groups(fake, 10))
    sender = make_sender(concurrency=4)
    pool = sessionmaker.kw["bind"].pool
    seen: list[tuple[int, int]] = []  # (sends in flight, connections checked out) per send
    in_flight = 0
    send = sender.bot.send_message

    async def checking(*args: Any, **kwargs: Any) -> Any:
        nonlocal in_flight
        in_flight += 1
        seen.append((in_flight, pool.checkedout()))
        try:
            await asyncio.sleep(ROUND_TRIP)
            return await send(*args, **kwargs)
        finally:
            in_flight -= 1

    sender.bot.send_message = checking  # type: ignore[method-assign]
    await sender.drain()
    assert len(seen) == 10
    # Four sends were under way together, and then no lane was in the database: at most the
    # pump's claim held a connection. Had sends held one each, four at once would have held
    # four (and on SQLite's pool of one they could not have overlapped at all).
    assert max(flying for flying, _ in seen) == 4
    assert max(connections for flying, connections in seen if flying == 4) <= 1
    assert await counts(sessionmaker) == {"sent": 10}


async def test_a_lane_that_fails_stops_the_others_after_their_sends_in_flight(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender]
) -> None:
    chats = groups(fake, 30)
    await enqueue(sessionmaker, chats)

    class DatabaseGone(OutboxSender):
        marked = 0

        async def _record_sent(self, row: Any, message_id: int) -> None:
            self.marked += 1
            if self.marked == 3:
                raise ConnectionError("database went away")
            await super()._record_sent(row, message_id)

    sender = make_sender(cls=DatabaseGone, concurrency=4)
    Watch(sender)
    with pytest.raises(ConnectionError):
        await sender.drain()
    status = await counts(sessionmaker)
    accepted = sum(1 for call in fake.calls_to("sendMessage") if call.ok)
    # Every accepted message but the failing one was marked sent (those in flight finished),
    # and no new send started after the failure: at most the other three in flight.
    assert status["sent"] == accepted - 1
    assert accepted <= 3 + 3
