"""Engine set-up: SQLite PRAGMAs and write-locking transactions; foreign keys everywhere."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import db
from storage.db import create_engine, sqlite_path
from tests.helpers.backend import postgres_only, sqlite_only


@sqlite_only("the PRAGMAs storage.db applies to every SQLite connection")
async def test_pragmas_are_in_force_on_a_new_connection(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        pragmas = {
            name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar_one()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 10000,
        "synchronous": 1,
    }


@sqlite_only("BEGIN IMMEDIATE is how SQLite queues writers; PostgreSQL locks rows")
async def test_a_reading_transaction_already_holds_the_write_lock(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = sqlite_path(database_url)
    assert path is not None
    async with sessionmaker() as session:
        await session.execute(select(1))
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()
        await session.rollback()


async def test_foreign_keys_are_enforced(session: AsyncSession) -> None:
    with pytest.raises(IntegrityError, match="(?i)foreign key"):
        await session.execute(
            text("INSERT INTO places (team_id, name, position, active) VALUES (999, 'x', 0, true)")
        )


async def test_in_memory_database_works() -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    async with engine.begin() as connection:
        assert (await connection.exec_driver_sql("SELECT 1")).scalar_one() == 1
    await engine.dispose()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite+aiosqlite:///data/nearmiss.db", Path("data/nearmiss.db")),
        ("sqlite+aiosqlite:////var/lib/nearmiss.db", Path("/var/lib/nearmiss.db")),
        ("sqlite+aiosqlite:///file:data/x.db?uri=true", Path("data/x.db")),
        ("sqlite+aiosqlite:///:memory:", None),
        ("sqlite+aiosqlite://", None),
        ("sqlite+aiosqlite:///file:mem?mode=memory&cache=shared&uri=true", None),
        ("postgresql+asyncpg://u:p@localhost/nearmiss", None),
    ],
)
def test_sqlite_path(url: str, expected: Path | None) -> None:
    assert sqlite_path(url) == expected


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


@postgres_only
async def test_a_pooled_connection_the_server_dropped_while_idle_is_replaced_unseen(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "IDLE_BEFORE_PING", 0.0)
    dropped = await _backend_pid(engine)
    async with create_engine(str(engine.url.render_as_string(hide_password=False))).connect() \
            as other:  # the server ends the pooled connection, as a restart would
        await other.execute(text(f"SELECT pg_terminate_backend({dropped})"))
    assert await _backend_pid(engine) != dropped  # no error: a new connection was opened


@postgres_only
async def test_a_connection_in_steady_use_is_not_checked_before_each_use(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    checks: list[object] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: checks.append(c) or ping(c))
    first = await _backend_pid(engine)
    assert [await _backend_pid(engine) for _ in range(5)] == [first] * 5
    assert checks == []  # used within IDLE_BEFORE_PING of its return each time
    monkeypatch.setattr(db, "IDLE_BEFORE_PING", 0.0)
    assert await _backend_pid(engine) == first and len(checks) == 1
