"""Engine and session factories; SQLite gets WAL, foreign keys and write-locking transactions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_only

from storage.audit import install_audit
from storage.sqlite_loop import LoopConnection, loop_connector

BUSY_TIMEOUT_MS = 10_000
SQLITE_PRAGMAS = (
    # busy_timeout first: switching to WAL needs a lock another connection may hold.
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
    # Deleted rows (a finished draft, an erased identity) are overwritten, not left in the file.
    "PRAGMA secure_delete=ON",
)
# How long an update may wait for the connection before it fails (and the person is told).
SQLITE_POOL_TIMEOUT = 30.0


def create_engine(database_url: str) -> AsyncEngine:
    """Create the async engine for a database URL (SQLite file or PostgreSQL)."""
    url = make_url(database_url)
    # hide_parameters: a logged database error must not carry a worker's words or Telegram id
    # (an FSM key holds it) into the logs.
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, hide_parameters=True)
    path = sqlite_path(url)
    if path is None:  # in memory: SQLAlchemy keeps the one connection itself
        engine = create_async_engine(url, hide_parameters=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One connection per process. Every transaction holds SQLite's single write lock
        # (BEGIN IMMEDIATE), so more connections only queue inside SQLite's busy handler,
        # which sleeps and polls (up to 100 ms a turn); the pool hands the connection on
        # in order the moment it is free. Other processes still wait through busy_timeout.
        # A bot update's calls run on the event loop's thread (storage/sqlite_loop.py).
        engine = create_async_engine(
            url, hide_parameters=True, pool_size=1, max_overflow=0,
            pool_timeout=SQLITE_POOL_TIMEOUT,
            async_creator=loop_connector(url, busy_timeout_ms=BUSY_TIMEOUT_MS))
    event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
    event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Create the session factory; objects stay readable after commit, changes audited."""
    install_audit()
    return async_sessionmaker(engine, expire_on_commit=False)


def sqlite_path(url: str | URL) -> Path | None:
    """Return the file behind a SQLite URL, or None for other databases and in-memory ones."""
    url = make_url(url)
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if str(url.query.get("uri", "")).lower() in ("true", "1"):
        # URI filenames: the driver sends the other query parameters (mode=...) along.
        database = database.removeprefix("file:")
        if url.query.get("mode") == "memory" or database in ("", ":memory:"):
            return None
    return Path(database)


def _on_sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    """Take transaction control away from the driver and apply the PRAGMAs."""
    # With isolation_level None the driver emits no BEGIN of its own; _on_sqlite_begin does.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    """Start every transaction holding the write lock."""
    # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY
    # when another writer got there first (WAL snapshot upgrade); busy_timeout cannot help.
    # IMMEDIATE waits for the lock up front, so concurrent writers queue instead of failing.
    driver = connection.connection.driver_connection
    if isinstance(driver, LoopConnection):
        await_only(driver.begin_immediate())  # never waits for the lock on the loop's thread
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
