"""Time one bulletin fanned out to many group chats by one OutboxSender, under flood limits.

The fake Bot API enforces Telegram's limits (30 messages a second in all, 20 a minute per
group) and answers 429 past them; the sender must keep under them by itself. The floor is
what the limits allow: N messages at 30 a second (one message per group, so the per-group
limit never binds).

Run: .venv/bin/python -m bench.fanout_bench [--groups 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
import time
from collections import Counter
from pathlib import Path

from bot.dispatcher import create_bot
from bot.sender import OutboxSender
from nearmiss.settings import Settings
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade_async
from storage.repositories import OutboxRepository
from tests.helpers.fake_telegram import FakeTelegram

PER_SECOND = 30
BATCH = "bulletin:bench"
TEXT = "<b>Shared learning</b>: a sensor mat was unplugged at handover &amp; nobody noticed."
GOAL_RATIO = 1.10


async def run(groups: int) -> bool:
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
            try:
                started = time.perf_counter()
                await OutboxSender(bot, sessionmaker, worker_id="bench").drain()
                elapsed = time.perf_counter() - started
            finally:
                await bot.session.close()
            async with sessionmaker() as session:
                statuses = await OutboxRepository(session).status_counts(batch=BATCH)
            calls = fake.calls_to("sendMessage")
        await engine.dispose()
    accepted = Counter(call.params["chat_id"] for call in calls if call.ok)
    return report(groups, elapsed, statuses, accepted, calls_429=sum(
        1 for call in calls if call.status == 429), chats=chats)


def report(groups: int, elapsed: float, statuses: dict[str, int], accepted: Counter[int],
           *, calls_429: int, chats: list[int]) -> bool:
    """Print the figures; return whether the goal was met."""
    floor = groups / PER_SECOND
    lost = sum(1 for chat in chats if accepted[chat] == 0)
    duplicated = sum(1 for n in accepted.values() if n > 1)
    ratio = elapsed / floor
    print(f"groups:             {groups}")
    print(f"total time:         {elapsed:.2f} s")
    print(f"floor (at {PER_SECOND}/s):    {floor:.2f} s"
          f"  (sliding window exactly: {math.ceil(groups / PER_SECOND) - 1} s + send time)")
    print(f"ratio:              {ratio:.3f}  (goal <= {GOAL_RATIO})")
    print(f"outbox sent/failed: {statuses.get('sent', 0)} / {statuses.get('failed', 0)}"
          f"  (other: {({k: v for k, v in statuses.items() if k not in ('sent', 'failed')})})")
    print(f"429 answers:        {calls_429}")
    print(f"lost chats:         {lost}")
    print(f"duplicated chats:   {duplicated}")
    return ratio <= GOAL_RATIO and lost == 0 and duplicated == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    args = parser.parse_args()
    ok = asyncio.run(run(args.groups))
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
