"""A bot update's SQLite calls run on the event loop's thread; waiting for a lock never does."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import BUSY_TIMEOUT_MS, create_engine
from storage.sqlite_loop import LoopConnection, on_loop


async def _thread_of_sqlite(connection: AsyncConnection) -> int:
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert isinstance(driver, LoopConnection)
    await driver._execute(driver._conn.create_function, "thread_id", 0, threading.get_ident)
    return int((await connection.execute(text("SELECT thread_id()"))).scalar_one())


async def test_calls_run_on_the_loop_thread_only_inside_on_loop(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'loop.db'}")
    try:
        async with engine.connect() as connection:
            assert await _thread_of_sqlite(connection) != threading.get_ident()
            with on_loop():
                assert await _thread_of_sqlite(connection) == threading.get_ident()
            assert await _thread_of_sqlite(connection) != threading.get_ident()
    finally:
        await engine.dispose()


async def test_waiting_for_another_process_lock_leaves_the_loop_running(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    try:
        async with engine.begin() as connection:  # creates the file in WAL mode
            await connection.execute(text("CREATE TABLE t (x INTEGER)"))
        other.execute("BEGIN IMMEDIATE")  # another process writing
        ticker = asyncio.create_task(tick())
        # The other writer commits after 0.3 s, from the loop: had BEGIN IMMEDIATE waited on
        # the loop's thread, this callback could not run until busy_timeout (10 s) ran out.
        asyncio.get_running_loop().call_later(0.3, other.execute, "COMMIT")
        with on_loop():
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO t VALUES (1)"))
                timeout = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar_one()
        ticker.cancel()
        assert ticks >= 10  # the loop kept turning while the transaction waited
        assert timeout == BUSY_TIMEOUT_MS  # restored after the attempt that did not wait
        assert other.execute("SELECT count(*) FROM t").fetchone() == (1,)
    finally:
        other.close()
        await engine.dispose()


async def test_a_free_lock_is_taken_without_the_thread(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'free.db'}")
    try:
        with on_loop():
            async with engine.begin() as connection:
                await connection.execute(text("CREATE TABLE t (x INTEGER)"))
                path = tmp_path / "free.db"
                other = sqlite3.connect(path, timeout=0, isolation_level=None)
                try:  # this transaction holds the write lock already
                    assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
                    try:
                        other.execute("BEGIN IMMEDIATE")
                        raised = False
                    except sqlite3.OperationalError:
                        raised = True
                finally:
                    other.close()
        assert raised
    finally:
        await engine.dispose()
