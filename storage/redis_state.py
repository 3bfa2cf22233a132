"""Conversation state in Redis (REDIS_URL): aiogram's RedisStorage, keyed like the SQL table.

With several worker processes the state must live where all of them see it, and two of them
must never advance one person's draft at once; aiogram's RedisStorage and RedisEventIsolation
do both. This module only builds them the way the SQL storage behaves (the same key shape,
the same refusal of data that would not read back equal) and erases a person's keys.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.lock import Lock
from redis.exceptions import RedisError

from storage.fsm import dump_data

log = logging.getLogger(__name__)

# A person's lock expires this long after it was last renewed; the worker handling their
# update renews it every third of that. A worker killed mid-update keeps the person waiting
# only this long, while an update that takes longer (a slow database) keeps its lock.
LOCK_SECONDS = 6.0
# How long an update, done, waits for its lock's renewal to stop before releasing the lock.
STOP_WAIT = 1.0
# A process's connections to Redis at most, and how long a command waits for one of them when
# all are busy before it fails. redis-py's default pool refuses the 101st command at once, and a
# worker under load has hundreds of updates in hand, each reading and writing its person's state.
MAX_CONNECTIONS = 50
CONNECTION_WAIT = 10.0


def connect(url: str) -> Redis:
    """One client (and connection pool) for a process; whoever builds it closes it."""
    return Redis.from_pool(BlockingConnectionPool.from_url(
        url, max_connections=MAX_CONNECTIONS, timeout=CONNECTION_WAIT))


def key_builder(prefix: str) -> DefaultKeyBuilder:
    """<prefix>:<chat id>:<user id>:<destiny>:<state|data|lock>, as the SQL keys minus the part."""
    return DefaultKeyBuilder(prefix=prefix, with_destiny=True)


def _dumps(data: Mapping[str, Any]) -> str:
    text = dump_data(data)
    assert text is not None  # RedisStorage deletes the key instead of writing empty data
    return text


class RenewedIsolation(RedisEventIsolation):
    """aiogram's Redis lock per person, with a short expiry renewed while the update runs."""

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncIterator[None]:
        name = self.key_builder.build(key, "lock")
        async with self.redis.lock(name=name, timeout=LOCK_SECONDS, lock_class=Lock) as held:
            renewal = Renewal(held)
            try:
                yield
            finally:
                await renewal.stop()


class Renewal:
    """Renews a held lock every third of its expiry, from a task of its own, until stopped.

    Stopping does not rest on cancelling that task alone. redis-py writes each command through
    asyncio.wait_for, and on Python 3.11 wait_for returns the result, swallowing the
    cancellation, when the write finishes just as the cancellation arrives (CPython
    gh-86296, fixed in 3.12); under load with several worker processes it happens. The
    renewal would then go on, the finished update wait for it until the process stopped, and
    the person's next update wait on the lock as long, with no error anywhere. So a flag ends
    the loop at its next turn whatever became of the cancellation, and the update waits for
    that only briefly: a renewal still under way after the lock is released renews nothing
    (the lock's token no longer matches).
    """

    def __init__(self, held: Lock) -> None:
        self.held = held
        self.stopped = False
        self.task = asyncio.create_task(self._run())
        self.task.add_done_callback(_note_end)

    async def _run(self) -> None:
        while not self.stopped:  # checked after each renewal, whose cancellation may be lost
            await asyncio.sleep(LOCK_SECONDS / 3)
            try:
                await self.held.reacquire()
            except RedisError as error:  # Redis gone, or the lock already lost: it just expires
                log.warning("could not renew a conversation lock: %s", type(error).__name__)
                return

    async def stop(self) -> None:
        self.stopped = True
        self.task.cancel()
        await asyncio.wait({self.task}, timeout=STOP_WAIT)
        if not self.task.done():
            log.warning("a conversation lock's renewal outlived its update; releasing anyway")


def _note_end(task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    if (error := task.exception()) is not None:
        log.warning("a conversation lock's renewal failed: %r", error)
    else:  # its flag ended it: a cancellation was lost (or the lock could not be renewed)
        log.debug("a conversation lock's renewal ended without being cancelled")


def redis_storage(redis: Redis, prefix: str) -> tuple[RedisStorage, RedisEventIsolation]:
    """The storage and its event isolation on one client; closing the storage closes it."""
    storage = RedisStorage(redis, key_builder=key_builder(prefix), json_dumps=_dumps)
    return storage, RenewedIsolation(redis, key_builder=storage.key_builder)


async def forget(redis: Redis, prefix: str, telegram_user_id: int) -> int:
    """Delete a person's conversation state (their private chat's keys); return how many.

    A private chat's id is its person's id. Lock keys are left alone: one exists only while
    an update is being handled, and the handler deletes it when it finishes.
    """
    pattern = f"{prefix}:{telegram_user_id}:{telegram_user_id}:*"
    keys = [key async for key in redis.scan_iter(match=pattern, count=500)
            if not key.endswith(b":lock")]
    if not keys:
        return 0
    return int(await redis.delete(*keys))
