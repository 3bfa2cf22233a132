"""Engine and session factories; SQLite gets WAL, foreign keys and write-locking transactions."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Connection, Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_only

from core.files import create_private_file
from storage import hot
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
# A pooled server connection idle this long is checked before use (see _ping_if_idle).
IDLE_BEFORE_PING = 1.0


def create_engine(database_url: str) -> AsyncEngine:
    """Create the async engine for a database URL (SQLite file or PostgreSQL)."""
    url = make_url(database_url)
    # hide_parameters: a logged database error must not carry a worker's words or Telegram id
    # (an FSM key holds it) into the logs.
    if url.get_backend_name() != "sqlite":
        engine = create_async_engine(url, hide_parameters=True)
        event.listen(engine.sync_engine.pool, "checkin", _note_checkin)
        event.listen(engine.sync_engine.pool, "checkout", _ping_if_idle(engine.dialect))
        hot.install(engine)
        return engine
    path = sqlite_path(url)
    if path is None:  # in memory: SQLAlchemy keeps the one connection itself
        engine = create_async_engine(url, hide_parameters=True)
    else:
        create_private_file(path)  # before SQLite makes it readable by everyone
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
    hot.install(engine)
    return engine


def _note_checkin(dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dialect: Dialect) -> Callable[[Any, Any, Any], None]:
    """Check a connection that has sat in the pool a while before an update uses it: one the
    server (or the network) dropped meanwhile is replaced, not handed out to fail.

    SQLAlchemy's pool_pre_ping checks every checkout, and on asyncpg its check is three round
    trips (BEGIN, an empty query, ROLLBACK) beside an update's five (BEGIN, two reads, a
    write, COMMIT). A connection in steady use needs none: one that fails in use is
    invalidated with every connection opened before it (SQLAlchemy's disconnect handling),
    so after an outage only connections left idle through it remain, and those are checked
    here. Raising DisconnectionError makes the pool open a new connection instead.
    """
    def check(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001 - whatever the driver raised, it is unusable
            raise exc.DisconnectionError(f"a pooled connection failed its check: {error}") \
                from error
    return check


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
