"""The sender keeps under Telegram's flood limits by itself: the fake never answers 429."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from bot.sending import FloodGate, OutboxSender
from tests.bot import test_sender as shared
from tests.bot.test_sender import FakeClock, Maker, enqueue, groups, sends_per_chat
from tests.helpers.fake_telegram import FakeTelegram

# test_sender.py's fixtures, shared by assignment: tests/bot/conftest.py is not ours to edit.
bot, clock, fake, settings = shared.bot, shared.clock, shared.fake, shared.settings
make_sender = shared.make_sender


def test_the_gate_allows_thirty_a_second_in_all() -> None:
    clock = FakeClock()
    gate = FloodGate(clock=clock)
    for n in range(30):
        assert gate.wait_needed(-n - 1, True) == 0
        gate.record(-n - 1, True)
    assert gate.wait_needed(-99, True) == pytest.approx(1.0)
    clock.t = 1.0
    assert gate.wait_needed(-99, True) == 0


def test_the_gate_allows_twenty_a_minute_to_one_group_and_one_a_second_privately() -> None:
    clock = FakeClock()
    gate = FloodGate(clock=clock)
    for n in range(20):
        clock.t = n * 1.0
        gate.record(-1, True)
    # the first of the 20 leaves the window at 60 s
    assert gate.wait_needed(-1, True) == pytest.approx(41.0)
    gate.record(5, False)
    assert gate.wait_needed(5, False) == pytest.approx(1.0)
    assert gate.wait_needed(6, False) == 0


def test_a_retry_after_pauses_every_chat() -> None:
    clock = FakeClock()
    gate = FloodGate(clock=clock)
    gate.pause(5)
    assert gate.wait_needed(-1, True) == 5 and gate.wait_needed(7, False) == 5


@pytest.mark.parametrize(("concurrency", "longest"), [(1, 2.0), (8, 3.0)])
async def test_a_sixty_group_fanout_draws_no_429_from_flood_limits(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender],
    clock: FakeClock, concurrency: int, longest: float
) -> None:
    fake.enable_flood_limits(global_per_second=30, per_group_per_minute=20, clock=clock)
    chats = groups(fake, 60)
    await enqueue(sessionmaker, chats)
    await make_sender(concurrency=concurrency).drain()
    assert sends_per_chat(fake) == Counter(dict.fromkeys(chats, 1))
    fake.assert_no_rejections(include_injected=True)
    # 60 at 30 a second: one wait, not more. With eight in flight the fake clock jumps while
    # some are still on their way; the gate counts those from when they end, a window later,
    # so one more wait may come, never a third.
    assert 1.0 <= clock.t <= longest


async def test_one_group_gets_at_most_twenty_messages_a_minute(
    fake: FakeTelegram, sessionmaker: Maker, make_sender: Callable[..., OutboxSender],
    clock: FakeClock
) -> None:
    fake.enable_flood_limits(global_per_second=30, per_group_per_minute=20, clock=clock)
    [chat] = groups(fake, 1)
    for n in range(25):
        await enqueue(sessionmaker, [chat], batch=f"alert:{n}", text=f"Alert {n}")
    await make_sender().drain()
    assert fake.chat(chat).texts() == [f"Alert {n}" for n in range(25)]
    fake.assert_no_rejections(include_injected=True)
    assert 60.0 <= clock.t <= 61.0
