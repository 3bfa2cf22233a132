"""The connections hot statements borrow on PostgreSQL outside a session: asyncpg's own pool.

A tapped answer borrows a connection twice (its read, then its write at the commit). Through
SQLAlchemy's pool each borrow and return ran its checkout and checkin in a greenlet of its
own: about 48 µs of CPU a borrow in a micro-benchmark (20 tasks, a one-row query each), where
asyncpg's pool took about 27 µs. These statements never need SQLAlchemy's connection (they
are sent to the driver anyway), so they borrow from an asyncpg pool made for the engine on
first use, with the engine's own connection arguments, and closed when the engine is
disposed. Sessions keep SQLAlchemy's pool.

Returning a connection runs no query: asyncpg's default reset (RESET ALL, UNLISTEN, CLOSE
ALL, advisory locks) is a round trip, and these statements change no session state. One
returned inside a transaction (an error part-way) is rolled back first; one that failed is
closed, not returned.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only

# At most this many connections a process; an update waits for one beyond that (a statement
# holds one for a round trip). The engine's own pool keeps SQLAlchemy's 5 and 10 more.
MAX_SIZE = 8
_pools: weakref.WeakKeyDictionary[Engine, asyncpg.Pool] = weakref.WeakKeyDictionary()
_making: weakref.WeakKeyDictionary[Engine, asyncio.Lock] = weakref.WeakKeyDictionary()


async def pool_for(engine: AsyncEngine) -> asyncpg.Pool:
    """The engine's pool for hot statements, made on first use."""
    sync = engine.sync_engine
    pool = _pools.get(sync)
    if pool is not None:
        return pool
    lock = _making.setdefault(sync, asyncio.Lock())
    async with lock:
        pool = _pools.get(sync)
        if pool is None:
            _, arguments = engine.dialect.create_connect_args(engine.url)
            pool = await asyncpg.create_pool(**arguments, min_size=0, max_size=MAX_SIZE,
                                             reset=_rollback_if_begun)
            _pools[sync] = pool
            if not event.contains(sync, "engine_disposed", _close):
                event.listen(sync, "engine_disposed", _close)
    return pool


async def _rollback_if_begun(connection: Any) -> None:
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


def _close(engine: Engine) -> None:
    """The engine is being disposed (in a greenlet of AsyncEngine.dispose): close its pool."""
    pool = _pools.pop(engine, None)
    if pool is not None:
        await_only(pool.close())
