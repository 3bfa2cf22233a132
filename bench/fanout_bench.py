"""Time one bulletin fanned out to many group chats by one OutboxSender, under flood limits.

The fake Bot API enforces Telegram's limits (30 messages a second in all, 20 a minute per
group) and answers 429 past them; the sender must keep under them by itself. The floor is
what the limits allow: N messages at 30 a second (one message per group, so the per-group
limit never binds).

The fake answers from the same machine almost at once; Telegram answers across the network,
far more slowly. `--latency` adds that round trip to every call on the bot's side
(an aiogram request middleware), which is what makes a sender with one message in flight
slower than the limits: it then sends at most 1/latency messages a second. `--concurrency`
is the number of messages the sender keeps in flight (OutboxSender's `concurrency`).

Run: .venv/bin/python -m bench.fanout_bench [--groups 1000] [--latency 0.15] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import math
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod

from bot.dispatcher import create_bot
from bot.sending import OutboxSender
from core.settings import Settings
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade_async
from storage.repositories import OutboxRepository
from tests.helpers.fake_telegram import FakeTelegram

PER_SECOND = 30
BATCH = "bulletin:bench"
TEXT = "<b>Shared learning</b>: a sensor mat was unplugged at handover &amp; nobody noticed."
GOAL_RATIO = 1.10


class Latency(BaseRequestMiddleware):
    """Holds every request for half the round trip before and half after it, as a network
    between the bot and Telegram would (the fake counts the send when it arrives)."""

    def __init__(self, seconds: float) -> None:
        self.half = seconds / 2

    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot,
                       method: TelegramMethod[Any]) -> Any:
        await asyncio.sleep(self.half)
        try:
            return await make_request(bot, method)
        finally:
            await asyncio.sleep(self.half)


@dataclass
class Result:
    elapsed: float
    statuses: dict[str, int]
    accepted: Counter[int]
    calls_429: int
    max_in_flight: int


def _sender(bot: Bot, sessionmaker: Any, concurrency: int | None) -> OutboxSender:
    """The sender; `concurrency` only where this version of OutboxSender takes it."""
    options: dict[str, Any] = {}
    if concurrency is not None:
        if "concurrency" not in inspect.signature(OutboxSender).parameters:
            raise SystemExit("this OutboxSender has no `concurrency` parameter")
        options["concurrency"] = concurrency
    return OutboxSender(bot, sessionmaker, worker_id="bench", **options)


async def run(groups: int, latency: float, concurrency: int | None) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await upgrade_async(url)
        engine = create_engine(url)
        sessionmaker = create_sessionmaker(engine)
        async with FakeTelegram() as fake:
            fake.enable_flood_limits(global_per_second=PER_SECOND, per_group_per_minute=20)
            chats = [-1002000000000 - n for n in range(1, groups + 1)]
            for chat_id in chats:
                fake.group_chat(chat_id, f"Team {-chat_id}")
            async with sessionmaker.begin() as session:
                await OutboxRepository(session).enqueue(
                    batch=BATCH, kind="bulletin", messages=[(c, True, TEXT) for c in chats])
            settings = Settings(_env_file=None, bot_token=fake.token, database_url=url,
                                telegram_api_url=fake.base_url)
            bot = create_bot(settings)
            in_flight = _InFlight()
            bot.session.middleware(in_flight)
            if latency > 0:
                bot.session.middleware(Latency(latency))
            try:
                started = time.perf_counter()
                await _sender(bot, sessionmaker, concurrency).drain()
                elapsed = time.perf_counter() - started
            finally:
                await bot.session.close()
            async with sessionmaker() as session:
                statuses = await OutboxRepository(session).status_counts(batch=BATCH)
            calls = fake.calls_to("sendMessage")
        await engine.dispose()
    accepted = Counter(call.params["chat_id"] for call in calls if call.ok)
    return Result(elapsed, statuses, accepted, sum(1 for c in calls if c.status == 429),
                  in_flight.peak)


class _InFlight(BaseRequestMiddleware):
    """Counts the sendMessage requests under way at once, to show the sender's concurrency."""

    def __init__(self) -> None:
        self.now = self.peak = 0

    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot,
                       method: TelegramMethod[Any]) -> Any:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            return await make_request(bot, method)
        finally:
            self.now -= 1


def report(groups: int, latency: float, concurrency: int | None, result: Result) -> bool:
    """Print the figures; return whether the goal was met."""
    chats = [-1002000000000 - n for n in range(1, groups + 1)]
    floor = groups / PER_SECOND
    lost = sum(1 for chat in chats if result.accepted[chat] == 0)
    duplicated = sum(1 for n in result.accepted.values() if n > 1)
    ratio = result.elapsed / floor
    statuses = result.statuses
    print(f"groups:             {groups}")
    print(f"round trip added:   {latency * 1000:.0f} ms")
    print(f"concurrency:        {concurrency if concurrency is not None else 'default'}"
          f"  (peak requests in flight: {result.max_in_flight})")
    print(f"total time:         {result.elapsed:.2f} s"
          f"  ({groups / result.elapsed:.1f} messages/s)")
    print(f"floor (at {PER_SECOND}/s):    {floor:.2f} s"
          f"  (sliding window exactly: {math.ceil(groups / PER_SECOND) - 1} s + send time)")
    print(f"ratio:              {ratio:.3f}  (goal <= {GOAL_RATIO})")
    print(f"outbox sent/failed: {statuses.get('sent', 0)} / {statuses.get('failed', 0)}"
          f"  (other: {({k: v for k, v in statuses.items() if k not in ('sent', 'failed')})})")
    print(f"429 answers:        {result.calls_429}")
    print(f"lost chats:         {lost}")
    print(f"duplicated chats:   {duplicated}")
    return ratio <= GOAL_RATIO and lost == 0 and duplicated == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds of round trip added to every Bot API call")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="messages the sender keeps in flight (its default if not given)")
    args = parser.parse_args()
    result = asyncio.run(run(args.groups, args.latency, args.concurrency))
    ok = report(args.groups, args.latency, args.concurrency, result)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
