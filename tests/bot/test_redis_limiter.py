"""Senders in several processes share one flood gate in Redis: together they stay under
Telegram's limits (30 a second in all, 20 a minute per group, one a second per private chat)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from aiogram import Bot
from redis.asyncio import Redis

from bot.sending import OutboxSender
from bot.sending.shared_limits import RedisFloodGate, flood_gate
from core.settings import Settings
from tests.bot import test_sender as shared
from tests.bot.test_sender import Maker, enqueue, groups, sends_per_chat
from tests.helpers.fake_telegram import FakeTelegram
from tests.helpers.redis_server import REDIS_URL, keys_under, needs_redis, redis, redis_prefix

__all__ = ["redis", "redis_prefix"]  # fixtures
bot, fake, settings = shared.bot, shared.fake, shared.settings

pytestmark = needs_redis


def _gates(redis: Redis, prefix: str, count: int) -> list[RedisFloodGate]:
    """Gates of `count` worker processes of one bot, sharing one Redis."""
    return [RedisFloodGate(redis, prefix=prefix, bot_id=7) for _ in range(count)]


async def test_two_gates_together_allow_thirty_a_second_in_all(
        redis: Redis, redis_prefix: str) -> None:
    a, b = _gates(redis, redis_prefix, 2)
    for n, gate in enumerate([a] * 15 + [b] * 15):
        assert await gate.acquire(-n - 1, True) == 0
        await gate.finished(-n - 1, True)
    for gate in (a, b):
        assert 0 < await gate.acquire(-99, True) <= 1.0


async def test_a_slot_taken_for_a_send_in_flight_counts_for_every_gate(
        redis: Redis, redis_prefix: str) -> None:
    a, b = _gates(redis, redis_prefix, 2)
    for n in range(30):
        assert await a.acquire(-n - 1, True) == 0  # not finished yet: still in flight
    assert await b.acquire(-99, True) > 0


async def test_gates_share_each_groups_minute_and_each_private_chats_second(
        redis: Redis, redis_prefix: str) -> None:
    a, b = _gates(redis, redis_prefix, 2)
    for n in range(20):
        gate = (a, b)[n % 2]
        assert await gate.acquire(-1, True) == 0
        await gate.finished(-1, True)
    assert 59.0 < await b.acquire(-1, True) <= 60.0
    assert await a.acquire(5, False) == 0
    await a.finished(5, False)
    assert 0 < await b.acquire(5, False) <= 1.0
    assert await b.acquire(6, False) == 0


async def test_a_retry_after_one_worker_hears_pauses_them_all(
        redis: Redis, redis_prefix: str) -> None:
    a, b = _gates(redis, redis_prefix, 2)
    await a.retry_after(5)
    assert 4.0 < await b.acquire(-1, True) <= 5.0
    assert 4.0 < await b.acquire(7, False) <= 5.0


async def test_the_gate_keys_expire_within_seconds(
        redis: Redis, redis_prefix: str) -> None:
    [gate] = _gates(redis, redis_prefix, 1)
    assert await gate.acquire(5, False) == 0
    await gate.finished(5, False)
    keys = await keys_under(redis, redis_prefix)
    assert keys == [f"{redis_prefix}:flood:7:all", f"{redis_prefix}:flood:7:chat:5"]
    assert all(0 < ttl <= 2000 for ttl in [await redis.pttl(key) for key in keys])


async def test_without_redis_url_each_process_keeps_its_own_gate(settings: Settings,
                                                                 bot: Bot) -> None:
    gate = flood_gate(settings, bot)
    assert not isinstance(gate, RedisFloodGate)
    await gate.close()


async def test_four_senders_sharing_redis_stay_under_the_flood_limits_together(
        fake: FakeTelegram, sessionmaker: Maker, bot: Bot, settings: Settings,
        redis_prefix: str, redis: Redis) -> None:
    arrivals: list[float] = []
    limiter = fake.enable_flood_limits(global_per_second=30, per_group_per_minute=20,
                                       per_chat_per_second=1)
    check = limiter.check

    def counted(chat_id: int, is_group: bool) -> None:
        arrivals.append(time.monotonic())
        check(chat_id, is_group)

    limiter.check = counted  # type: ignore[method-assign]
    chats = groups(fake, 90)
    person = fake.private_chat(5, "Sam").id
    await enqueue(sessionmaker, chats)
    for n in range(3):
        await enqueue(sessionmaker, [person], batch=f"feedback:{n}:5", text=f"Update {n}")
    shared_settings = settings.model_copy(update={"redis_url": REDIS_URL,
                                                  "redis_prefix": redis_prefix})
    senders = [OutboxSender(bot, sessionmaker, worker_id=f"w{n}", batch_size=5,
                            gate=flood_gate(shared_settings, bot)) for n in range(4)]
    started = time.monotonic()
    await asyncio.gather(*(sender.drain() for sender in senders))
    elapsed = time.monotonic() - started
    for sender in senders:
        await sender.gate.close()

    assert sends_per_chat(fake) == Counter({**dict.fromkeys(chats, 1), person: 3})
    fake.assert_no_rejections(include_injected=True)
    busiest = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert len(arrivals) == 93 and busiest <= 30
    assert elapsed >= 2.0  # 93 sends at 30 a second, whoever sends them
