"""storage.hot: a bot update's own statements, sent on its connection and deferred until due."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_engine
from storage.fsm import SQLStorage, joined_to
from storage.models import FsmRecord, Team
from storage.repositories import ReporterRepository
from tests.helpers.backend import postgres_only

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
    """What the driver sends on the session's connection from now on (first words)."""
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    seen: list[str] = []
    if connection.dialect.name == "postgresql":
        driver.add_query_logger(lambda record: seen.append(_word(record.query)))
    else:
        await driver.set_trace_callback(lambda sql: seen.append(_word(sql)))
    return seen


def _word(sql: str) -> str:
    return sql.split()[0].upper().rstrip(";")


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
        await session.commit()
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
        await session.commit()
    assert [word for word in seen if word != "COMMIT"] == ["DELETE"]
    assert await _fsm_rows(sessionmaker) == 0


async def test_a_deferred_write_commits_with_the_updates_other_writes(
        storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with _update(sessionmaker) as session:
        seen = await _statements(session)
        await storage.set_data(KEY, {"step": "place"})
        session.add(Team(name="Rowan House", code="ROWAN234"))
        await session.flush()  # the deferred write goes first, in one transaction with this
        await session.commit()
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
        await session.commit()
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
        await session.commit()
    assert await _fsm_rows(sessionmaker) == 0


async def test_a_row_erased_after_it_was_read_is_written_again(
        storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await storage.set_data(KEY, {"step": "place"})
    async with _update(sessionmaker) as session:
        assert await storage.get_data(KEY) == {"step": "place"}
        await session.execute(delete(FsmRecord))  # erased meanwhile
        await storage.set_data(KEY, {"step": "what"})  # the UPDATE finds no row
        await session.commit()
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


async def _backend_pid(session: AsyncSession) -> int:
    return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


@postgres_only
async def test_a_connection_that_died_under_a_hot_read_is_not_handed_out_again(
        engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession],
        storage: SQLStorage) -> None:
    killer: Callable[[], AsyncEngine] = lambda: create_engine(  # noqa: E731
        engine.url.render_as_string(hide_password=False))
    async with _update(sessionmaker) as session:
        dropped = await _backend_pid(session)
        await session.commit()
    other = killer()
    async with other.connect() as connection:  # the server ends it, as a restart would
        await connection.execute(text(f"SELECT pg_terminate_backend({dropped})"))
    await other.dispose()
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the driver raises
        async with _update(sessionmaker) as session:
            await storage.get_state(KEY)
    async with _update(sessionmaker) as session:
        assert await storage.get_state(KEY) is None
        assert await _backend_pid(session) != dropped


@postgres_only
async def test_a_connection_that_died_before_the_deferred_write_is_not_handed_out_again(
        engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession],
        storage: SQLStorage) -> None:
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the driver raises
        async with _update(sessionmaker) as session:
            dropped = await _backend_pid(session)
            assert await storage.get_state(KEY) is None
            await storage.set_data(KEY, {"step": "place"})
            other = create_engine(engine.url.render_as_string(hide_password=False))
            async with other.connect() as connection:
                await connection.execute(text(f"SELECT pg_terminate_backend({dropped})"))
            await other.dispose()
            await session.commit()  # the write, run alone at the commit, meets a dead connection
    async with _update(sessionmaker) as session:
        assert await _backend_pid(session) != dropped
        assert await storage.get_data(KEY) == {}
