"""The outbox repository: idempotent enqueue, atomic claims, settling and recovery."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import utcnow
from storage.repositories import OutboxRepository
from storage.repositories.outbox import claim_statement

Maker = async_sessionmaker[AsyncSession]


async def enqueue(sessionmaker: Maker, chats: int, *, batch: str = "bulletin:1",
                  text: str = "<b>Falls</b>: check the hoist") -> None:
    async with sessionmaker.begin() as session:
        messages = [(-1000 - n, True, text) for n in range(chats)]
        await OutboxRepository(session).enqueue(batch=batch, kind="bulletin", messages=messages)


async def claim(sessionmaker: Maker, worker: str = "w1", limit: int = 10, **later: float):
    now = utcnow() + timedelta(**later)
    async with sessionmaker.begin() as session:
        return await OutboxRepository(session).claim(worker=worker, now=now, limit=limit)


async def counts(sessionmaker: Maker, batch: str = "bulletin:1") -> dict[str, int]:
    async with sessionmaker() as session:
        return await OutboxRepository(session).status_counts(batch=batch)


async def test_enqueue_twice_writes_one_row_per_chat_and_part(sessionmaker: Maker) -> None:
    await enqueue(sessionmaker, 3)
    await enqueue(sessionmaker, 3)
    assert await counts(sessionmaker) == {"pending": 3}


async def test_enqueue_splits_a_long_text_into_parts(sessionmaker: Maker) -> None:
    await enqueue(sessionmaker, 2, text="\n\n".join(["word " * 500] * 4))
    rows = await claim(sessionmaker, limit=100)
    assert sorted((r.chat_id, r.part) for r in rows) == [(-1001, 0), (-1000, 0)]
    assert await counts(sessionmaker) == {"sending": 2, "pending": 6}  # 4 parts each


async def test_claim_marks_rows_sending_oldest_first_up_to_the_limit(sessionmaker: Maker) -> None:
    await enqueue(sessionmaker, 5)
    rows = await claim(sessionmaker, limit=3)
    assert [r.chat_id for r in rows] == [-1000, -1001, -1002]
    assert all(r.status == "sending" and r.claimed_by == "w1" for r in rows)
    assert await counts(sessionmaker) == {"sending": 3, "pending": 2}


async def test_claim_skips_rows_not_yet_due(sessionmaker: Maker) -> None:
    await enqueue(sessionmaker, 1)
    [row] = await claim(sessionmaker)
    async with sessionmaker.begin() as session:
        await OutboxRepository(session).mark_retry(row, at=utcnow() + timedelta(minutes=5),
                                                   error="502 Bad Gateway")
    assert await claim(sessionmaker) == []
    [again] = await claim(sessionmaker, minutes=6)
    assert again.attempts == 1 and again.error == "502 Bad Gateway"


async def test_a_later_part_waits_until_the_earlier_one_is_sent(sessionmaker: Maker) -> None:
    await enqueue(sessionmaker, 1, text="\n\n".join(["word " * 800] * 2))
    [first] = await claim(sessionmaker)
    assert first.part == 0
    assert await claim(sessionmaker, worker="w2") == []
    async with sessionmaker.begin() as session:
        await OutboxRepository(session).mark_sent(first, message_id=7, now=utcnow())
    [second] = await claim(sessionmaker, worker="w2")
    assert second.part == 1


async def test_two_concurrent_claims_never_return_the_same_row(sessionmaker: Maker) -> None:
    await enqueue(sessionmaker, 40)
    claims = await asyncio.gather(*(claim(sessionmaker, f"w{n}", 7) for n in range(6)))
    ids = [row.id for rows in claims for row in rows]
    assert len(ids) == len(set(ids)) == 40


async def test_mark_sent_records_the_telegram_message(sessionmaker: Maker) -> None:
    await enqueue(sessionmaker, 1)
    [row] = await claim(sessionmaker)
    async with sessionmaker.begin() as session:
        await OutboxRepository(session).mark_sent(row, message_id=42, now=utcnow())
    assert await counts(sessionmaker) == {"sent": 1}
    assert row.telegram_message_id == 42 and row.claimed_by is None


async def test_mark_failed_gives_up_the_later_parts_too(sessionmaker: Maker) -> None:
    await enqueue(sessionmaker, 1, text="\n\n".join(["word " * 800] * 3))
    [first] = await claim(sessionmaker)
    async with sessionmaker.begin() as session:
        await OutboxRepository(session).mark_failed(first, error="Bad Request: chat not found")
    async with sessionmaker() as session:
        failures = await OutboxRepository(session).failures(batch="bulletin:1")
    assert [(f.part, f.error) for f in failures] == [
        (0, "Bad Request: chat not found"), (1, "part 0 failed"), (2, "part 0 failed")]


async def test_fail_chat_gives_up_every_pending_row_to_that_chat(sessionmaker: Maker) -> None:
    await enqueue(sessionmaker, 2, batch="bulletin:1")
    await enqueue(sessionmaker, 2, batch="digest:1")
    async with sessionmaker.begin() as session:
        failed = await OutboxRepository(session).fail_chat(chat_id=-1000, error="Forbidden")
    assert failed == 2
    assert await counts(sessionmaker, "digest:1") == {"failed": 1, "pending": 1}


async def test_release_returns_only_this_workers_rows(sessionmaker: Maker) -> None:
    await enqueue(sessionmaker, 4)
    await claim(sessionmaker, "w1", 2)
    await claim(sessionmaker, "w2", 2)
    async with sessionmaker.begin() as session:
        assert await OutboxRepository(session).release(worker="w1") == 2
    assert await counts(sessionmaker) == {"pending": 2, "sending": 2}


async def test_recover_stale_returns_rows_a_dead_worker_held(sessionmaker: Maker) -> None:
    await enqueue(sessionmaker, 2)
    await claim(sessionmaker, "dead", 2)
    async with sessionmaker.begin() as session:
        repo = OutboxRepository(session)
        assert await repo.recover_stale(older_than=utcnow() - timedelta(minutes=5)) == 0
        assert await repo.recover_stale(older_than=utcnow() + timedelta(seconds=1)) == 2
    assert [r.claimed_by for r in await claim(sessionmaker, "new", 5)] == ["new", "new"]


def test_on_postgresql_the_claim_skips_rows_locked_by_other_workers() -> None:
    statement = claim_statement("postgresql", worker="w1", now=utcnow(), limit=10)
    sql = str(statement.compile(dialect=postgresql.dialect()))
    assert "FOR UPDATE SKIP LOCKED" in sql and "RETURNING" in sql
