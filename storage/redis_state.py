"""Conversation state in Redis (REDIS_URL): aiogram's RedisStorage, keyed like the SQL table.

With several worker processes the state must live where all of them see it, and two of them
must never advance one person's draft at once; aiogram's RedisStorage and RedisEventIsolation
do both. This module only builds them the way the SQL storage behaves (the same key shape,
the same refusal of data that would not read back equal) and erases a person's keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from redis.asyncio import Redis

from storage.fsm import dump_data

# A handler holds its lock at most this long: far beyond any one update, short enough that a
# worker killed mid-update does not keep the person waiting long.
LOCK_SECONDS = 60


def connect(url: str) -> Redis:
    """One client (and connection pool) for a process; whoever builds it closes it."""
    return Redis.from_url(url)


def key_builder(prefix: str) -> DefaultKeyBuilder:
    """<prefix>:<chat id>:<user id>:<destiny>:<state|data|lock>, as the SQL keys minus the part."""
    return DefaultKeyBuilder(prefix=prefix, with_destiny=True)


def _dumps(data: Mapping[str, Any]) -> str:
    text = dump_data(data)
    assert text is not None  # RedisStorage deletes the key instead of writing empty data
    return text


def redis_storage(redis: Redis, prefix: str) -> tuple[RedisStorage, RedisEventIsolation]:
    """The storage and its event isolation on one client; closing the storage closes it."""
    storage = RedisStorage(redis, key_builder=key_builder(prefix), json_dumps=_dumps)
    return storage, storage.create_isolation(lock_kwargs={"timeout": LOCK_SECONDS})


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
