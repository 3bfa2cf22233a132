"""SKIP LOCKED at work: a claim held open by one worker neither blocks nor overlaps another's.

PostgreSQL only: SQLite has one writer at a time (BEGIN IMMEDIATE), so there a second claim
waits for the first to commit instead; test_outbox covers that path on both.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import create_engine, create_sessionmaker
from storage.models import utcnow
from storage.repositories import OutboxRepository
from tests.helpers.backend import postgres_only
from tests.storage.test_outbox import counts, enqueue

pytestmark = postgres_only
Maker = async_sessionmaker[AsyncSession]


@pytest.fixture
async def other(database_url: str) -> AsyncIterator[Maker]:
    """A second worker's sessions, on an engine of its own (as another process would have)."""
    engine = create_engine(database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def test_a_claim_held_open_is_skipped_not_waited_for(sessionmaker: Maker,
                                                            other: Maker) -> None:
    await enqueue(sessionmaker, 10)
    async with sessionmaker() as holder:
        held = await OutboxRepository(holder).claim(worker="w1", now=utcnow(), limit=4)
        # w1's transaction is still open: its four rows are locked and not yet committed.
        async with other.begin() as session:
            taken = await asyncio.wait_for(
                OutboxRepository(session).claim(worker="w2", now=utcnow(), limit=4), timeout=5)
        assert [r.chat_id for r in held] == [-1000, -1001, -1002, -1003]
        assert [r.chat_id for r in taken] == [-1004, -1005, -1006, -1007]

        # The rows really are locked: a plain FOR UPDATE NOWAIT refuses them.
        async with other() as session:
            ids = ", ".join(str(r.id) for r in held)
            with pytest.raises(DBAPIError, match="could not obtain lock"):
                await session.execute(text(f"SELECT id FROM outbox WHERE id IN ({ids})"
                                           " FOR UPDATE NOWAIT"))
        await holder.commit()
    assert await counts(sessionmaker) == {"sending": 8, "pending": 2}


async def test_rows_of_a_claim_rolled_back_are_claimable_again(sessionmaker: Maker,
                                                                other: Maker) -> None:
    await enqueue(sessionmaker, 3)
    async with sessionmaker() as holder:
        await OutboxRepository(holder).claim(worker="w1", now=utcnow(), limit=3)
        async with other.begin() as session:
            assert await OutboxRepository(session).claim(worker="w2", now=utcnow(),
                                                         limit=3) == []
        await holder.rollback()
    async with other.begin() as session:
        again = await OutboxRepository(session).claim(worker="w2", now=utcnow(), limit=3)
    assert sorted(r.chat_id for r in again) == [-1002, -1001, -1000]
