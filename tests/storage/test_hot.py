"""storage.hot: a bot update's own statements, sent on its connection and deferred until due."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import asyncpg
import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import delete, event, func, select, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import hot
from storage.db import create_engine
from storage.fsm import SQLStorage, joined_to
from storage.hot.pool import pool_for
from storage.models import FsmRecord, ReferenceCounter, Team
from storage.repositories import ReporterRepository, ReportRepository, TeamRepository
from storage.schemas import ReporterIdentity
from tests.helpers.backend import postgres_only
from tests.storage.builders import a_report

KEY = StorageKey(bot_id=1, chat_id=100, user_id=100)


@pytest.fixture
def storage(sessionmaker: async_sessionmaker[AsyncSession]) -> SQLStorage:
    return SQLStorage(sessionmaker)


@asynccontextmanager
async def _update(sessionmaker: async_sessionmaker[AsyncSession]
                  ) -> AsyncIterator[AsyncSession]:
    """A session as the bot's DatabaseMiddleware makes one for an update."""
    async with sessionmaker() as session:
        with joined_to(session):
            yield session


async def _statements(session: AsyncSession) -> list[str]:
    """What the driver sends for the session's update from now on (first words): on SQLite
    on the session's connection, on PostgreSQL on any connection the pool hands out (the hot
    statements borrow their own while the session has no transaction)."""
    seen: list[str] = []
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    if engine.dialect.name == "postgresql":
        def log(record: Any) -> None:
            if word := _word(record.query):  # not the pool's check of an idle connection
                seen.append(word)

        def watch(dbapi_connection: Any, *_: Any) -> None:
            dbapi_connection.driver_connection.add_query_logger(log)

        event.listen(engine.sync_engine.pool, "checkout", watch)
        await _watch_hot_pool(await pool_for(engine), log)
        return seen
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    await driver.set_trace_callback(lambda sql: seen.append(_word(sql)))
    return seen


async def _watch_hot_pool(pool: asyncpg.Pool, log: Callable[[Any], None]) -> None:
    """Log the queries of the hot statements' pool's connections. A query logger stays with
    its connection from one borrowing to the next, and these tests run one statement at a
    time, so the connection open now is the one they borrow."""
    await pool.release(await pool.acquire())
    for holder in pool._holders:  # noqa: SLF001 - a test looking at what the pool holds
        if holder._con is not None:  # noqa: SLF001
            holder._con.add_query_logger(log)  # noqa: SLF001


def _word(sql: str) -> str:
    return sql.split()[0].upper().rstrip(";") if sql.split() else ""


async def _fsm_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(FsmRecord)) or 0


async def test_a_tapped_answer_is_a_read_and_a_write(
        storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await storage.set_state(KEY, "Flow:reporting")
    await storage.set_data(KEY, {"step": "place"})
    async with _update(sessionmaker) as session:
        seen = await _statements(session)
        assert await storage.get_state(KEY) == "Flow:reporting"
        assert await storage.get_data(KEY) == {"step": "place"}
        await storage.set_data(KEY, {"step": "what"})
        await storage.set_state(KEY, "Flow:reporting")  # unchanged: nothing to write
        await hot.commit(session)
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        # No BEGIN or COMMIT: the read needs no transaction, and one write is atomic alone.
        assert seen == ["SELECT", "UPDATE"]
    else:  # BEGIN IMMEDIATE was sent when the session took its connection
        assert seen == ["SELECT", "UPDATE", "COMMIT"]
    assert await storage.get_data(KEY) == {"step": "what"}


async def test_clearing_a_row_the_update_read_is_one_delete(
        storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await storage.set_state(KEY, "Flow:reporting")
    await storage.set_data(KEY, {"step": "review"})
    async with _update(sessionmaker) as session:
        assert await storage.get_state(KEY) == "Flow:reporting"
        seen = await _statements(session)
        await storage.set_state(KEY, None)
        await storage.set_data(KEY, {})
        await hot.commit(session)
    assert [word for word in seen if word != "COMMIT"] == ["DELETE"]
    assert await _fsm_rows(sessionmaker) == 0


async def test_a_deferred_write_commits_with_the_updates_other_writes(
        storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with _update(sessionmaker) as session:
        seen = await _statements(session)
        await storage.set_data(KEY, {"step": "place"})
        session.add(Team(name="Rowan House", code="ROWAN234"))
        await session.flush()  # the deferred write goes first, in one transaction with this
        await hot.commit(session)
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        assert seen[:3] == ["SELECT", "BEGIN", "INSERT"] and seen[-1] == "COMMIT"
    async with sessionmaker() as check:
        assert await check.scalar(select(func.count()).select_from(Team)) == 1
    assert await storage.get_data(KEY) == {"step": "place"}


async def test_an_update_that_fails_writes_nothing_it_deferred(
        storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await storage.set_data(KEY, {"step": "place"})
    async with _update(sessionmaker) as session:
        session.add(Team(name="Rowan House", code="ROWAN234"))
        await session.flush()
        await storage.set_data(KEY, {"step": "what"})  # deferred: nothing has run it yet
        # the handler fails here: the session closes without a commit
    async with _update(sessionmaker) as session:  # likely the same pooled connection
        await session.execute(select(Team.id))
        await hot.commit(session)
    assert await storage.get_data(KEY) == {"step": "place"}
    async with sessionmaker() as check:
        assert await check.scalar(select(func.count()).select_from(Team)) == 0


async def test_a_deferred_write_runs_before_the_updates_later_statements(
        storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """/forgetme: the draft changes, then the person's rows are erased; nothing may stay."""
    await storage.set_data(KEY, {"step": "place"})
    async with _update(sessionmaker) as session:
        await storage.update_data(KEY, {"forget": 7})
        await session.execute(delete(FsmRecord).where(FsmRecord.key.like("fsm:100:100:%")))
        await hot.commit(session)
    assert await _fsm_rows(sessionmaker) == 0


async def test_a_row_erased_after_it_was_read_is_written_again(
        storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await storage.set_data(KEY, {"step": "place"})
    async with _update(sessionmaker) as session:
        assert await storage.get_data(KEY) == {"step": "place"}
        await session.execute(delete(FsmRecord))  # erased meanwhile
        await storage.set_data(KEY, {"step": "what"})  # the UPDATE finds no row
        await hot.commit(session)
    assert await storage.get_data(KEY) == {"step": "what"}


async def test_outside_an_update_the_same_reads_go_through_sqlalchemy(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        repository = ReporterRepository(session, identity_key=b"k" * 32)
        created = await repository.create(telegram_user_id=42, language="cy")
        await session.commit()
        assert "nearmiss.hot" not in session.sync_session.info
        assert await repository.get_by_telegram_id(telegram_user_id=42) == created
    async with _update(sessionmaker) as session:
        repository = ReporterRepository(session, identity_key=b"k" * 32)
        assert await repository.get_by_telegram_id(telegram_user_id=42) == created


@pytest.mark.parametrize("registered", [True, False])
async def test_a_persons_first_read_brings_their_reporter_along(
        storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession],
        registered: bool) -> None:
    identity = b"k" * 32
    async with sessionmaker() as session:
        repository = ReporterRepository(session, identity_key=identity)
        created = await repository.create(telegram_user_id=100, language="cy") \
            if registered else None
        await session.commit()
    await storage.set_data(KEY, {"step": "place"})
    async with sessionmaker() as session:
        repository = ReporterRepository(session, identity_key=identity)
        with joined_to(session, reporter_key=repository.key_for(100)):
            seen = await _statements(session)
            assert await storage.get_state(KEY) is None
            assert await storage.get_data(KEY) == {"step": "place"}
            assert await repository.get_by_telegram_id(telegram_user_id=100) == created
            await asyncio.sleep(0)  # asyncpg calls its query loggers soon, not at once
            assert seen == ["SELECT"]  # one statement read both rows
            # Taken once: a later read (after the update joined a team, say) reads again.
            assert await repository.get_by_telegram_id(telegram_user_id=100) == created
            await asyncio.sleep(0)
            assert seen == ["SELECT", "SELECT"]


async def _backend_pid(connection: Any) -> int:
    return int(await connection.fetchval("SELECT pg_backend_pid()"))


async def _terminate(engine: AsyncEngine, pid: int) -> None:
    """The server ends a connection, as a restart (or an administrator) would."""
    other = create_engine(engine.url.render_as_string(hide_password=False))
    try:
        async with other.connect() as connection:
            await connection.execute(text(f"SELECT pg_terminate_backend({pid})"))
    finally:
        await other.dispose()


async def _hot_pids(engine: AsyncEngine) -> set[int]:
    """The server processes behind the hot statements' pool's connections (borrowing each)."""
    pool = await pool_for(engine)
    connections = [await pool.acquire() for _ in range(pool.get_size())]
    try:
        return {await _backend_pid(connection) for connection in connections}
    finally:
        for connection in connections:
            await pool.release(connection)


# A hot statement that fails on the server: the connection it borrowed is not handed on.
_FAILS = hot.Hot(select(text("1 / 0")))


@postgres_only
async def test_a_hot_connection_the_server_ended_is_replaced_unseen(
        engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession],
        storage: SQLStorage) -> None:
    await storage.set_data(KEY, {"step": "place"})
    async with _update(sessionmaker):
        assert await storage.get_data(KEY) == {"step": "place"}
    [dropped] = await _hot_pids(engine)
    await _terminate(engine, dropped)
    await asyncio.sleep(0.2)  # the connection's end reaches the process
    async with _update(sessionmaker) as session:
        assert await storage.get_data(KEY) == {"step": "place"}  # no error for the person
        await storage.set_data(KEY, {"step": "what"})
        await hot.commit(session)
    assert dropped not in await _hot_pids(engine)
    assert await storage.get_data(KEY) == {"step": "what"}


@postgres_only
async def test_a_hot_connection_a_statement_failed_on_is_not_handed_out_again(
        engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession],
        storage: SQLStorage) -> None:
    async with _update(sessionmaker):
        assert await storage.get_data(KEY) == {}
    [before] = await _hot_pids(engine)
    with pytest.raises(asyncpg.DivisionByZeroError):
        async with _update(sessionmaker) as session:
            await storage.set_data(KEY, {"step": "place"})
            await hot.rows(session, _FAILS, {})  # borrows the pool's one connection
    assert before not in await _hot_pids(engine)
    assert await storage.get_data(KEY) == {}  # the failed update's write never ran


@postgres_only
async def test_an_answer_on_postgresql_never_begins_the_session(
        storage: SQLStorage, engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await storage.set_data(KEY, {"step": "place"})
    async with _update(sessionmaker) as session:
        seen = await _statements(session)
        assert await storage.get_data(KEY) == {"step": "place"}
        assert engine.sync_engine.pool.checkedout() == 0  # the read gave its connection back
        await storage.set_data(KEY, {"step": "what"})
        await hot.commit(session)
        assert not session.in_transaction()
        assert engine.sync_engine.pool.checkedout() == 0
    await asyncio.sleep(0)
    assert seen == ["SELECT", "UPDATE"]
    assert await storage.get_data(KEY) == {"step": "what"}


@postgres_only
async def test_deferred_writes_of_two_rows_commit_together_outside_the_session(
        storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    other = StorageKey(bot_id=1, chat_id=-5, user_id=100)
    await storage.set_data(KEY, {"step": "place"})
    await storage.set_data(other, {"step": "place"})
    async with _update(sessionmaker) as session:
        seen = await _statements(session)
        await storage.set_data(KEY, {"step": "what"})
        await storage.set_data(other, {"step": "what"})
        await hot.commit(session)
    await asyncio.sleep(0)
    assert seen == ["SELECT", "SELECT", "BEGIN", "UPDATE", "UPDATE", "COMMIT"]
    assert await storage.get_data(KEY) == await storage.get_data(other) == {"step": "what"}


@postgres_only
async def test_an_update_on_a_pool_of_one_never_waits_for_its_own_connection(
        engine: AsyncEngine) -> None:
    """The hot statements give their connection back before the session takes one: an update
    holding one while its session waited for another would wait out the pool's timeout."""
    small = create_async_engine(engine.url, pool_size=1, max_overflow=0, pool_timeout=2)
    hot.install(small)
    try:
        sessionmaker = async_sessionmaker(small, expire_on_commit=False)
        storage = SQLStorage(sessionmaker)
        async with _update(sessionmaker) as session:
            assert await storage.get_data(KEY) == {}
            await storage.set_data(KEY, {"step": "place"})
            session.add(Team(name="Rowan House", code="ROWAN234"))
            await hot.commit(session)  # the team and the deferred write, in one transaction
        assert await storage.get_data(KEY) == {"step": "place"}
        async with sessionmaker() as check:
            assert await check.scalar(select(func.count()).select_from(Team)) == 1
    finally:
        await small.dispose()


# A bot update's submission: the report's statements are hot too (storage/repositories/
# reports.py), in one transaction with what the update deferred.

_NAMED = ReporterIdentity(telegram_user_id=100, first_name="Ann", username="ann_cares")


async def _a_team(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker.begin() as session:
        return (await TeamRepository(session).create(name="Oak House", places=["Lounge"])).id


async def _report_rows(sessionmaker: async_sessionmaker[AsyncSession]
                       ) -> list[dict[str, Any]]:
    """Every report as stored, with its told parties, identity and queued pattern check."""
    async with sessionmaker() as session:
        reports = (await session.execute(text("SELECT * FROM reports ORDER BY id"))).mappings()
        rows = [dict(row) for row in reports]
        for row in rows:
            told = await session.scalars(text(
                f"SELECT party FROM report_told WHERE report_id = {row['id']} ORDER BY party"))
            row["told"] = list(told)
            identity = await session.execute(text(
                "SELECT telegram_user_id, first_name, username FROM report_identities "
                f"WHERE report_id = {row['id']}"))
            row["identity"] = [tuple(found) for found in identity]
            row["queued"] = await session.scalar(text(
                f"SELECT count(*) FROM pattern_checks WHERE report_id = {row['id']}"))
    return rows


async def test_a_report_stored_by_an_update_is_the_row_sqlalchemy_would_store(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The hot INSERTs apply the columns' own defaults (status, times) as SQLAlchemy does."""
    team_id = await _a_team(sessionmaker)
    data = a_report(team_id, told=("nurse", "manager", "nurse"), confidentiality="named",
                    identity=_NAMED)
    async with sessionmaker.begin() as session:  # not an update's: through SQLAlchemy
        assert (await ReportRepository(session).store(data=data)).reference == "NM-2026-0001"
    async with _update(sessionmaker) as session:
        stored = await ReportRepository(session).store(data=replace(data, draft_key="two"))
        await hot.commit(session)
    assert stored.reference == "NM-2026-0002"

    through, hot_row = await _report_rows(sessionmaker)
    assert hot_row["id"] == stored.id
    assert hot_row["status"] == "new" and hot_row["created_at"] is not None
    assert hot_row["told"] == ["manager", "nurse"]
    assert hot_row["identity"] == [(100, "Ann", "ann_cares")]
    assert hot_row["queued"] == 1
    differ = {"id", "reference", "draft_key", "created_at", "updated_at"}
    assert {k: v for k, v in hot_row.items() if k not in differ} == \
        {k: v for k, v in through.items() if k not in differ}


async def test_a_submission_commits_with_what_the_update_deferred(
        storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    team_id = await _a_team(sessionmaker)
    await storage.set_data(KEY, {"step": "review"})
    async with _update(sessionmaker) as session:
        assert await storage.get_data(KEY) == {"step": "review"}
        seen = await _statements(session)
        await storage.set_data(KEY, {"step": "review", "sending": True})
        stored = await ReportRepository(session).store(data=a_report(team_id))
        await hot.commit(session)
    await asyncio.sleep(0)
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        # Never through the session: one transaction on a borrowed connection, the deferred
        # UPDATE first; the savepoint is what a lost race on the draft rolls back to.
        assert not session.in_transaction()
        assert seen == ["BEGIN", "UPDATE", "SELECT", "SAVEPOINT", "INSERT", "INSERT", "INSERT",
                        "INSERT", "RELEASE", "COMMIT"]
    else:  # in the session's transaction (the trace also shows SQLite's triggers at work)
        assert seen[:3] == ["UPDATE", "SELECT", "INSERT"]
        assert seen.count("COMMIT") == 1 and seen[-1] == "COMMIT"
    assert await storage.get_data(KEY) == {"step": "review", "sending": True}
    assert [row["reference"] for row in await _report_rows(sessionmaker)] == [stored.reference]


async def test_a_submission_that_fails_stores_nothing_and_no_deferred_write(
        storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _a_team(sessionmaker)
    await storage.set_data(KEY, {"step": "review"})
    with pytest.raises(hot.INTEGRITY_ERRORS):
        async with _update(sessionmaker) as session:
            await storage.set_data(KEY, {"step": "review", "sending": True})
            await ReportRepository(session).store(data=a_report(999))  # no such team
    assert await storage.get_data(KEY) == {"step": "review"}
    assert await _report_rows(sessionmaker) == []
    async with sessionmaker() as session:  # the reference was not used up
        assert await session.scalar(select(func.count()).select_from(ReferenceCounter)) == 0


@pytest.mark.parametrize("begun", [False, True], ids=["outside-the-session", "in-the-session"])
async def test_concurrent_submissions_of_one_draft_by_updates_store_it_once(
        sessionmaker: async_sessionmaker[AsyncSession], begun: bool) -> None:
    """Two workers' updates for one draft (a redelivered Submit): one report, one reference,
    and the same reference for both. On PostgreSQL the loser's INSERT fails on the draft key
    and rolls back to its savepoint, on a borrowed connection or in the session's own
    transaction (an update that had begun it: an escalated report's)."""
    team_id = await _a_team(sessionmaker)

    async def submit() -> str:
        async with _update(sessionmaker) as session:
            if begun:
                await session.execute(select(Team.id))
            stored = await ReportRepository(session).store(data=a_report(team_id))
            await hot.commit(session)
            return stored.reference

    references = await asyncio.gather(*(submit() for _ in range(10)))
    assert set(references) == {"NM-2026-0001"}
    assert len(await _report_rows(sessionmaker)) == 1
    async with sessionmaker() as session:
        assert await session.scalar(select(ReferenceCounter.last)) == 1


# A person's reporter: created by their first update on its own, changed (joining a team, a
# language) with the update's other writes.

async def test_a_persons_first_update_creates_their_reporter_alone(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with _update(sessionmaker) as session:
        seen = await _statements(session)
        created = await ReporterRepository(session, identity_key=b"k" * 32).create(
            telegram_user_id=100)
        await hot.commit(session)
    await asyncio.sleep(0)
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        assert seen == ["INSERT"]  # one statement is atomic alone: no BEGIN, no COMMIT
    async with sessionmaker() as check:
        found = await ReporterRepository(check, identity_key=b"k" * 32).get_by_telegram_id(
            telegram_user_id=100)
    assert found == created


@pytest.mark.parametrize("commits", [True, False], ids=["committed", "failed"])
async def test_joining_writes_the_team_with_the_updates_other_writes(
        storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession],
        commits: bool) -> None:
    team_id = await _a_team(sessionmaker)
    async with sessionmaker.begin() as session:
        reporter = await ReporterRepository(session, identity_key=b"k" * 32).create(
            telegram_user_id=100)
    async with _update(sessionmaker) as session:
        assert await storage.get_data(KEY) == {}  # read as every update reads it, first
        seen = await _statements(session)
        joined = await ReporterRepository(session).update(reporter, team_id=team_id)
        await storage.set_data(KEY, {"step": "date"})
        assert joined.team_id == team_id
        if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
            assert not session.in_transaction()  # both writes wait for the commit
        if commits:
            await hot.commit(session)
        await asyncio.sleep(0)
        sent = [word for word in seen if word != "ROLLBACK"]
    async with sessionmaker() as check:
        after = await ReporterRepository(check).get(reporter_id=reporter.id)
    assert after is not None
    if not commits:  # the handler failed: neither write happened
        assert after.team_id is None and await storage.get_data(KEY) == {}
        return
    assert after.team_id == team_id and await storage.get_data(KEY) == {"step": "date"}
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        # The FSM row is new, so its write is an INSERT.
        assert sent == ["BEGIN", "UPDATE", "INSERT", "COMMIT"]
