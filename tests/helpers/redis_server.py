"""The Redis tests' server (NEARMISS_TEST_REDIS_URL) and a key prefix of the test's own.

Each test writes under a random prefix and deletes it afterwards, so test runs can share one
Redis server, and one database, with each other and with anything else on it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

REDIS_URL = os.environ.get("NEARMISS_TEST_REDIS_URL") or None

needs_redis = pytest.mark.skipif(
    REDIS_URL is None,
    reason="NEARMISS_TEST_REDIS_URL is not set: the Redis tests need a Redis server "
           "(.ci/run sets redis://127.0.0.1:6379)")


@pytest.fixture
def redis_prefix() -> str:
    return f"nmtest-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def redis(redis_prefix: str) -> AsyncIterator[Redis]:
    """A client on the test server; every key under the test's prefix is deleted after it."""
    assert REDIS_URL is not None
    client = Redis.from_url(REDIS_URL)
    yield client
    keys = await keys_under(client, redis_prefix)
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def keys_under(client: Redis, prefix: str) -> list[str]:
    """Every key whose name starts with `prefix:`, as text."""
    return sorted([key.decode() async for key in client.scan_iter(match=f"{prefix}:*")])
