"""Kill drills on `nearmiss run --webhook --workers 4`: four worker processes sharing PostgreSQL
(the outbox, claimed with SKIP LOCKED) and Redis (one flood limit for all four) in the middle of
a bulletin fan-out.

SIGKILL goes to every process of the group at once (uvicorn's supervisor and its workers), as a
container runtime or the OOM killer would. A row Telegram accepted just before the kill was
never marked sent and is sent again after the restart, so duplicates are bounded by the rows in
flight at the kill (rows in "sending": claimed by a worker, not settled). SIGTERM lets every
worker finish the messages it has in flight and release the rest: no duplicate at all.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import OutboxMessage
from storage.repositories import OutboxRepository
from tests.e2e.test_process import BotProcess, _env, _free_port
from tests.helpers.backend import postgres_only
from tests.helpers.fake_telegram import FakeTelegram
from tests.helpers.redis_server import REDIS_URL, needs_redis, redis, redis_prefix

__all__ = ["redis", "redis_prefix"]  # fixtures: the prefix's keys are deleted after the test
pytestmark = [postgres_only, needs_redis]

WORKERS = 4
GROUPS = 240  # eight seconds at Telegram's 30 a second: room to strike mid-way
TIMEOUT = 120.0  # four cold starts on a busy 2-core machine, then the rest of the fan-out
WEBHOOK_URL = "https://nearmiss.example.org/telegram/webhook"


class Workers(BotProcess):
    """`nearmiss run --webhook --workers 4` in a process group of its own."""

    args = ("run", "--webhook", "--workers", str(WORKERS))
    log_name = "workers"
    new_session = True

    async def kill(self) -> None:
        """SIGKILL to the supervisor and every worker at once: nobody cleans anything up."""
        assert self.process is not None
        if self.process.returncode is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        await self.process.wait()
        await self._group_gone()

    async def terminate(self) -> int:
        """SIGTERM to the supervisor, as `docker stop` sends it; it stops the workers."""
        assert self.process is not None
        self.process.terminate()
        code = await asyncio.wait_for(self.process.wait(), timeout=60)
        await self._group_gone()
        return code

    async def _group_gone(self) -> None:
        """Wait until no process of the group is left (workers outlive a killed supervisor
        for a moment)."""
        assert self.process is not None
        for _ in range(100):
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            await asyncio.sleep(0.1)
        os.killpg(self.process.pid, signal.SIGKILL)
        raise AssertionError("worker processes outlived their group's stop")


def _groups(fake: FakeTelegram, first: int) -> list[int]:
    chat_ids = [first - i for i in range(GROUPS)]
    for chat_id in chat_ids:
        fake.group_chat(chat_id, f"Team group {chat_id}")
    return chat_ids


def _deliveries(fake: FakeTelegram, batch: str) -> Counter[int]:
    return Counter(call.params["chat_id"] for call in fake.calls_to("sendMessage")
                   if call.ok and batch in call.params.get("text", ""))


async def _statuses(sessionmaker: async_sessionmaker[AsyncSession], batch: str) -> Counter[str]:
    async with sessionmaker() as session:
        rows = await session.execute(select(OutboxMessage.status, func.count())
                                     .where(OutboxMessage.batch == batch)
                                     .group_by(OutboxMessage.status))
        return Counter({status: count for status, count in rows})


async def _all_sent(sessionmaker: async_sessionmaker[AsyncSession], batch: str) -> None:
    """Wait until every row of the batch is marked sent (then nothing more goes out)."""
    deadline = time.monotonic() + TIMEOUT
    while (await _statuses(sessionmaker, batch)) != Counter(sent=GROUPS):
        assert time.monotonic() < deadline, await _statuses(sessionmaker, batch)
        await asyncio.sleep(0.2)


async def _start(fake: FakeTelegram, database_url: str, tmp_path: Path, redis_prefix: str,
                 sessionmaker: async_sessionmaker[AsyncSession], batch: str,
                 *, stale_seconds: int) -> tuple[Workers, list[int]]:
    fake.enable_flood_limits(global_per_second=30, per_group_per_minute=20)
    port = _free_port()
    fake.webhook.proxy = f"http://127.0.0.1:{port}"
    assert REDIS_URL is not None
    env = _env(database_url, BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url,
               ADMIN_PORT=str(port), DATA_DIR=str(tmp_path), WEBHOOK_URL=WEBHOOK_URL,
               SECRET_KEY=secrets.token_urlsafe(48), REDIS_URL=REDIS_URL,
               REDIS_PREFIX=redis_prefix, OUTBOX_STALE_SECONDS=str(stale_seconds))
    chat_ids = _groups(fake, -3_000_000 if "kill" in batch else -4_000_000)
    async with sessionmaker.begin() as session:
        await OutboxRepository(session).enqueue(batch=batch, kind="bulletin", messages=[
            (chat_id, True, f"<b>Learning</b> {batch}") for chat_id in chat_ids])
    workers = Workers(env, tmp_path)
    await workers.start()
    return workers, chat_ids


async def test_sigkill_of_four_workers_mid_fan_out_delivers_everything_with_bounded_duplicates(
        fake: FakeTelegram, database_url: str, tmp_path: Path, redis_prefix: str,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    # Rows a killed worker held come back after 10 s; a live worker never holds one that long
    # (at most 16 claimed, sent at a quarter of 30 a second).
    workers, chat_ids = await _start(fake, database_url, tmp_path, redis_prefix, sessionmaker,
                                     "bulletin:kill", stale_seconds=10)
    try:
        await fake.wait_for(lambda: len(_deliveries(fake, "bulletin:kill")) >= GROUPS // 4,
                            timeout=TIMEOUT)
        await workers.kill()
        delivered_at_kill = len(_deliveries(fake, "bulletin:kill"))
        at_kill = await _statuses(sessionmaker, "bulletin:kill")
        assert delivered_at_kill < GROUPS, "the kill must land mid-way"
        started = time.monotonic()
        await workers.start()
        await fake.wait_for(lambda: len(_deliveries(fake, "bulletin:kill")) == GROUPS,
                            timeout=TIMEOUT)
        to_finish = time.monotonic() - started
        await _all_sent(sessionmaker, "bulletin:kill")  # no recovered row is still to go
        await workers.terminate()
    finally:
        if workers.process is not None and workers.process.returncode is None:
            await workers.kill()
    deliveries = _deliveries(fake, "bulletin:kill")
    duplicates = sum(count - 1 for count in deliveries.values())
    unmarked = delivered_at_kill - at_kill["sent"]  # accepted by Telegram, not yet marked
    print(f"\nSIGKILL drill, {WORKERS} workers: {delivered_at_kill}/{GROUPS} delivered at the "
          f"kill, {at_kill['sending']} rows in flight (sending), {unmarked} of them accepted "
          f"but not marked sent, {duplicates} duplicated, {len(deliveries)}/{GROUPS} delivered "
          f"{to_finish:.1f} s after the restart")
    assert set(deliveries) == set(chat_ids)  # nothing lost
    assert duplicates <= at_kill["sending"], (duplicates, at_kill)
    assert duplicates == unmarked  # exactly the rows caught between Telegram and the database
    assert await _statuses(sessionmaker, "bulletin:kill") == Counter(sent=GROUPS)
    assert not any(c.status == 429 for c in fake.calls_to("sendMessage"))
    assert "Traceback" not in workers.log()


async def test_sigterm_of_four_workers_mid_fan_out_leaves_nothing_in_flight_and_no_duplicate(
        fake: FakeTelegram, database_url: str, tmp_path: Path, redis_prefix: str,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    # Nothing should need recovering after a graceful stop: a long stale_after means a row
    # still claimed after the restart would not be sent within the test, and it would fail.
    workers, chat_ids = await _start(fake, database_url, tmp_path, redis_prefix, sessionmaker,
                                     "bulletin:term", stale_seconds=600)
    try:
        await fake.wait_for(lambda: len(_deliveries(fake, "bulletin:term")) >= GROUPS // 4,
                            timeout=TIMEOUT)
        assert await workers.terminate() in (0, -15)
        delivered_at_stop = len(_deliveries(fake, "bulletin:term"))
        at_stop = await _statuses(sessionmaker, "bulletin:term")
        assert delivered_at_stop < GROUPS, "the stop must land mid-way"
        assert at_stop["sending"] == 0  # every worker released what it held
        assert at_stop["sent"] == delivered_at_stop  # and marked all it had in flight
        started = time.monotonic()
        await workers.start()
        await fake.wait_for(lambda: len(_deliveries(fake, "bulletin:term")) == GROUPS,
                            timeout=TIMEOUT)
        to_finish = time.monotonic() - started
        await _all_sent(sessionmaker, "bulletin:term")
        await workers.terminate()
    finally:
        if workers.process is not None and workers.process.returncode is None:
            await workers.kill()
    deliveries = _deliveries(fake, "bulletin:term")
    print(f"\nSIGTERM drill, {WORKERS} workers: {delivered_at_stop}/{GROUPS} delivered at the "
          f"stop, 0 in flight, {sum(n - 1 for n in deliveries.values())} duplicated, "
          f"{len(deliveries)}/{GROUPS} delivered {to_finish:.1f} s after the restart")
    assert set(deliveries) == set(chat_ids)
    assert max(deliveries.values()) == 1  # not one duplicate
    assert await _statuses(sessionmaker, "bulletin:term") == Counter(sent=GROUPS)
    assert not any(c.status == 429 for c in fake.calls_to("sendMessage"))
    assert "Traceback" not in workers.log()
