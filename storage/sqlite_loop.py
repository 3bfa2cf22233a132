"""SQLite calls made on the event loop's own thread while a bot update is handled.

aiosqlite runs every call on a thread of its own and hands the result back through the event
loop. Under load the loop has many callbacks ready, so each statement of a transaction waits a
whole turn of the loop before the next one is sent, all the while holding the process's one
connection (and SQLite's write lock). Under load the connection was held nearly all the time,
mostly waiting for turns of the loop rather than for SQLite's own work, and throughput stayed
flat however much else was made cheaper (bench/RESULTS.md).

Inside `on_loop()` (bot/middlewares.py puts each update there) calls run directly: an update's
statement costs SQLite less than the two thread switches around it.
Two things still go to the thread, because they could take long:
- waiting for another process's write lock: BEGIN IMMEDIATE is tried once without waiting, and
  if the lock is taken it waits on the thread through busy_timeout as before;
- everything outside `on_loop()`, such as the admin's dashboard queries, so a slow query never
  stops the loop (and the bot's polling, sending and health check with it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL

_on_loop: ContextVar[bool] = ContextVar("sqlite_on_loop", default=False)


@contextmanager
def on_loop() -> Iterator[None]:
    """Within this block, SQLite calls of a `LoopConnection` run on the event loop's thread."""
    token = _on_loop.set(True)
    try:
        yield
    finally:
        _on_loop.reset(token)


class LoopConnection(aiosqlite.Connection):
    """An aiosqlite connection that runs calls in place inside `on_loop()`."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], *,
                 busy_timeout_ms: int) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self.busy_timeout_ms = busy_timeout_ms
        self._thread.daemon = True  # as SQLAlchemy does for the connections it opens

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if _on_loop.get() and self._running and self._connection is not None:
            return fn(*args, **kwargs)
        return await super()._execute(fn, *args, **kwargs)

    async def begin_immediate(self) -> None:
        """BEGIN IMMEDIATE: at once if the write lock is free, else waiting on the thread."""
        if _on_loop.get() and self._running and self._connection is not None:
            connection = self._connection
            connection.execute("PRAGMA busy_timeout=0")
            try:
                connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                    raise
            finally:
                connection.execute(f"PRAGMA busy_timeout={self.busy_timeout_ms}")
        await super()._execute(self._conn.execute, "BEGIN IMMEDIATE")


def loop_connector(url: URL, *, busy_timeout_ms: int) -> Callable[[], Any]:
    """SQLAlchemy's `async_creator` for a SQLite file: what aiosqlite would open, as a
    LoopConnection (the same file, URI and thread-check arguments the dialect works out)."""
    args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(url)

    async def connect() -> LoopConnection:
        connection = LoopConnection(partial(sqlite3.connect, *args, **kwargs),
                                    busy_timeout_ms=busy_timeout_ms)
        await connection  # starts its thread and opens the file
        return connection

    return connect
