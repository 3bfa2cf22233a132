"""Kill drills on a real `nearmiss run` process in the middle of a bulletin fan-out.

SIGKILL can strike between Telegram accepting a message and the row being marked sent; Telegram
has no idempotency key, so such a row is sent again. The drill checks that every group gets the
bulletin and that duplicates never exceed the rows in flight at the kill. SIGTERM must leave
nothing in flight: no duplicates at all.
"""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import OutboxMessage
from storage.repositories import OutboxRepository
from tests.e2e.test_process import BotProcess, _env, _free_port
from tests.helpers.fake_telegram import FakeTelegram

GROUPS = 120  # four seconds of sending at Telegram's 30 a second: room to strike mid-way
TIMEOUT = 60.0


def _groups(fake: FakeTelegram, first: int) -> list[int]:
    chat_ids = [first - i for i in range(GROUPS)]
    for chat_id in chat_ids:
        fake.group_chat(chat_id, f"Team group {chat_id}")
    return chat_ids


async def _enqueue(sessionmaker: async_sessionmaker[AsyncSession], batch: str,
                   chat_ids: list[int]) -> None:
    async with sessionmaker.begin() as session:
        await OutboxRepository(session).enqueue(batch=batch, kind="bulletin", messages=[
            (chat_id, True, f"<b>Learning</b> {batch}") for chat_id in chat_ids])


def _deliveries(fake: FakeTelegram, batch: str) -> Counter[int]:
    return Counter(call.params["chat_id"] for call in fake.calls_to("sendMessage")
                   if call.ok and batch in call.params.get("text", ""))


async def _in_flight(sessionmaker: async_sessionmaker[AsyncSession], batch: str) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).where(
            OutboxMessage.batch == batch, OutboxMessage.status == "sending")) or 0)


async def _process(fake: FakeTelegram, database_url: str, tmp_path: Path) -> BotProcess:
    fake.enable_flood_limits(global_per_second=30, per_group_per_minute=20)
    env = _env(database_url, BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url,
               ADMIN_PORT=str(_free_port()), DATA_DIR=str(tmp_path), OUTBOX_STALE_SECONDS="2")
    runner = BotProcess(env, tmp_path)
    await runner.start()
    return runner


async def test_sigkill_mid_fan_out_delivers_everything_with_bounded_duplicates(
        fake: FakeTelegram, database_url: str, tmp_path: Path,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat_ids = _groups(fake, -1_000_000)
    await _enqueue(sessionmaker, "bulletin:1", chat_ids)
    runner = await _process(fake, database_url, tmp_path)
    try:
        await fake.wait_for(lambda: len(_deliveries(fake, "bulletin:1")) >= GROUPS // 4,
                            timeout=TIMEOUT)
        await runner.kill()
        in_flight = await _in_flight(sessionmaker, "bulletin:1")
        delivered_at_kill = len(_deliveries(fake, "bulletin:1"))
        assert delivered_at_kill < GROUPS, "the kill must land mid-way"
        await runner.start()
        await fake.wait_for(lambda: len(_deliveries(fake, "bulletin:1")) == GROUPS,
                            timeout=TIMEOUT)
    finally:
        await runner.kill()
    deliveries = _deliveries(fake, "bulletin:1")
    duplicates = sum(count - 1 for count in deliveries.values())
    print(f"SIGKILL drill: {delivered_at_kill}/{GROUPS} delivered at the kill, {in_flight} rows "
          f"in flight, {duplicates} duplicated, {len(deliveries)}/{GROUPS} delivered in the end")
    assert set(deliveries) == set(chat_ids)  # nothing lost
    assert duplicates <= in_flight, (duplicates, in_flight)
    assert not any(c.status == 429 for c in fake.calls_to("sendMessage"))


async def test_sigterm_mid_fan_out_leaves_nothing_in_flight_and_no_duplicate(
        fake: FakeTelegram, database_url: str, tmp_path: Path,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat_ids = _groups(fake, -2_000_000)
    await _enqueue(sessionmaker, "bulletin:2", chat_ids)
    runner = await _process(fake, database_url, tmp_path)
    try:
        await fake.wait_for(lambda: len(_deliveries(fake, "bulletin:2")) >= GROUPS // 4,
                            timeout=TIMEOUT)
        assert runner.process is not None
        runner.process.send_signal(signal.SIGTERM)
        assert await runner.process.wait() in (0, -15)
        assert await _in_flight(sessionmaker, "bulletin:2") == 0  # released, not stranded
        assert len(_deliveries(fake, "bulletin:2")) < GROUPS, "the stop must land mid-way"
        await runner.start()
        await fake.wait_for(lambda: len(_deliveries(fake, "bulletin:2")) == GROUPS,
                            timeout=TIMEOUT)
    finally:
        await runner.kill()
    deliveries = _deliveries(fake, "bulletin:2")
    assert set(deliveries) == set(chat_ids)
    assert max(deliveries.values()) == 1  # not one duplicate
