"""Several workers each run the digest scheduler: every team's digest is still made once.

Each "worker" has its own engine and connection pool, as separate processes would; the
unique DigestRun row (insert-or-ignore, in the same transaction as the outbox rows) is the
lock. Runs on SQLite and, in the suite's PostgreSQL pass, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.scheduler import DigestScheduler
from storage.db import create_engine, create_sessionmaker
from storage.models import DigestRun, OutboxMessage
from storage.repositories import GroupRepository, TeamRepository

MONDAY = datetime(2026, 3, 23, 9, 0, 30, tzinfo=UTC)


def plain(language: str):  # noqa: ANN201 - the gettext_for shape
    def gettext(msgid: str, **params: object) -> str:
        return msgid.format(**params) if params else msgid
    return gettext


async def test_four_workers_ticking_at_once_make_each_digest_once(
        database_url: str, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker.begin() as session:
        for number in range(6):
            team = await TeamRepository(session).create(name=f"Team {number}")
            team.created_at = datetime(2026, 1, 1, tzinfo=UTC)
            await GroupRepository(session).link(team_id=team.id, chat_id=-1000 - number,
                                                title="g", linked_by=1, now=MONDAY)
    engines = [create_engine(database_url) for _ in range(4)]
    try:
        schedulers = [DigestScheduler(create_sessionmaker(engine), zone=ZoneInfo("Europe/London"),
                                      gettext_for=plain, clock=lambda: MONDAY)
                      for engine in engines]
        batches = await asyncio.gather(*(scheduler.tick() for scheduler in schedulers))
    finally:
        for engine in engines:
            await engine.dispose()

    made = [batch for worker in batches for batch in worker]
    assert len(made) == len(set(made)) == 6
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count(DigestRun.id))) == 6
        assert await session.scalar(select(func.count(OutboxMessage.id))) == 6
