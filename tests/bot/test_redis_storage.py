"""Conversation state in Redis (REDIS_URL): aiogram's RedisStorage, keyed and checked as in SQL."""

from __future__ import annotations

import asyncio
import contextlib
from types import SimpleNamespace

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from redis.asyncio import Redis
from redis.exceptions import LockNotOwnedError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.views.privacy import PrivacyView
from bot.dispatcher import conversation_state, create_dispatcher
from bot.middlewares import DatabaseMiddleware
from core.settings import Settings
from storage import redis_state
from storage.fsm import SQLStorage
from tests.helpers.redis_server import REDIS_URL, keys_under, needs_redis, redis, redis_prefix

__all__ = ["redis", "redis_prefix"]  # fixtures

Maker = async_sessionmaker[AsyncSession]


def _key(person: int) -> StorageKey:
    return StorageKey(bot_id=42, chat_id=person, user_id=person)


def test_without_redis_url_state_stays_in_sql_with_a_process_lock(sessionmaker: Maker) -> None:
    storage, isolation = conversation_state(Settings(_env_file=None), sessionmaker)
    assert isinstance(storage, SQLStorage) and isinstance(isolation, SimpleEventIsolation)


@needs_redis
async def test_with_redis_url_state_and_locks_live_in_redis(
        sessionmaker: Maker, redis: Redis, redis_prefix: str) -> None:
    settings = Settings(_env_file=None, redis_url=REDIS_URL, redis_prefix=redis_prefix)
    storage, isolation = conversation_state(settings, sessionmaker)
    try:
        assert isinstance(storage, RedisStorage) and isinstance(isolation, RedisEventIsolation)
        assert isolation.redis is storage.redis  # one client, closed with the storage
        await storage.set_state(_key(5), "Flow:reporting")
        await storage.set_data(_key(5), {"draft": {"answers": {"told": ["nurse"]}}})
        # The SQL table's key shape (fsm:<chat>:<user>:<destiny>) under the deployment's prefix.
        assert await keys_under(redis, redis_prefix) == [
            f"{redis_prefix}:5:5:default:data", f"{redis_prefix}:5:5:default:state"]
        assert await storage.get_data(_key(5)) == {"draft": {"answers": {"told": ["nurse"]}}}
    finally:
        await storage.close()


@needs_redis
async def test_clearing_the_state_leaves_no_key_of_the_person(
        redis: Redis, redis_prefix: str) -> None:
    storage, _ = redis_state.redis_storage(Redis.from_url(REDIS_URL), redis_prefix)
    try:
        await storage.set_state(_key(5), "Flow:reporting")
        await storage.set_data(_key(5), {"draft": {"key": "abc"}})
        await storage.set_state(_key(5), None)  # what FSMContext.clear() does
        await storage.set_data(_key(5), {})
        assert await keys_under(redis, redis_prefix) == []
    finally:
        await storage.close()


@needs_redis
async def test_redis_state_refuses_data_that_would_not_read_back_equal(
        redis: Redis, redis_prefix: str) -> None:
    storage, _ = redis_state.redis_storage(Redis.from_url(REDIS_URL), redis_prefix)
    try:
        with pytest.raises(TypeError, match="round-trip"):
            await storage.set_data(_key(5), {"told": ("nurse", "gp")})
        assert await keys_under(redis, redis_prefix) == []
    finally:
        await storage.close()


@needs_redis
async def test_forgetting_a_person_deletes_their_keys_and_nobody_elses(
        redis: Redis, redis_prefix: str) -> None:
    storage, _ = redis_state.redis_storage(Redis.from_url(REDIS_URL), redis_prefix)
    try:
        for person in (5, 55, 6):
            await storage.set_state(_key(person), "Flow:reporting")
            await storage.set_data(_key(person), {"draft": {"key": str(person)}})
        assert await redis_state.forget(redis, redis_prefix, 5) == 2
        left = await keys_under(redis, redis_prefix)
        assert left == [f"{redis_prefix}:{p}:{p}:default:{part}"
                        for p in (55, 6) for part in ("data", "state")]
    finally:
        await storage.close()


@needs_redis
async def test_the_admins_erasure_deletes_the_persons_state_in_redis(
        redis: Redis, redis_prefix: str) -> None:
    storage, _ = redis_state.redis_storage(Redis.from_url(REDIS_URL), redis_prefix)
    try:
        for person in (5, 6):
            await storage.set_data(_key(person), {"forget": "token"})
        view = PrivacyView.__new__(PrivacyView)  # only its services are used here
        view.services = SimpleNamespace(settings=Settings(  # type: ignore[assignment]
            _env_file=None, redis_url=REDIS_URL, redis_prefix=redis_prefix))
        await view._forget_conversation(5)
        assert await keys_under(redis, redis_prefix) == [f"{redis_prefix}:6:6:default:data"]
    finally:
        await storage.close()


@needs_redis
async def test_a_burst_of_commands_waits_for_a_connection_rather_than_failing(
        redis: Redis, redis_prefix: str) -> None:
    # Under load one worker has hundreds of updates in hand (a webhook accepts each at once),
    # each reading and writing its person's state: redis-py's default pool refused the 101st
    # command at once ("Too many connections"), and that person was told to try again.
    client = redis_state.connect(REDIS_URL)
    try:
        counter = f"{redis_prefix}:burst"
        await asyncio.gather(*(client.incr(counter) for _ in range(500)))
        assert int(await client.get(counter)) == 500
        pool = client.connection_pool
        opened = len(pool._available_connections) + len(pool._in_use_connections)
        assert 0 < opened <= redis_state.MAX_CONNECTIONS
    finally:
        await client.aclose()


class _Held:
    """Stands for a held redis-py Lock: counts renewals; `swallow` loses a cancellation that
    reaches a renewal under way, as redis-py's was seen to under load."""

    def __init__(self, *, swallow: bool = False, fail: bool = False) -> None:
        self.swallow, self.fail = swallow, fail
        self.renewals = 0
        self.renewing = asyncio.Event()

    async def reacquire(self) -> bool:
        self.renewals += 1
        self.renewing.set()
        if self.fail:
            raise LockNotOwnedError("Cannot reacquire a lock that's no longer owned")
        if self.swallow:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(3600)
        return True


async def test_a_persons_lock_is_renewed_until_their_update_ends(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redis_state, "LOCK_SECONDS", 0.03)
    held = _Held()
    renewal = redis_state.Renewal(held)  # type: ignore[arg-type]
    await asyncio.sleep(0.1)
    assert held.renewals >= 2
    await asyncio.wait_for(renewal.stop(), 1)
    done = held.renewals
    await asyncio.sleep(0.1)
    assert renewal.task.done() and held.renewals == done


async def test_a_renewal_whose_cancellation_is_lost_still_stops(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    # Seen under bench/load.py with two worker processes: the renewal's task, cancelled inside
    # redis-py, went on renewing; the finished update waited on it until the process was
    # stopped, and the person's next update waited on their lock as long.
    monkeypatch.setattr(redis_state, "LOCK_SECONDS", 0.03)
    held = _Held(swallow=True)
    renewal = redis_state.Renewal(held)  # type: ignore[arg-type]
    await asyncio.wait_for(held.renewing.wait(), 1)
    await asyncio.wait_for(renewal.stop(), redis_state.STOP_WAIT + 1)
    assert renewal.task.done()
    await asyncio.sleep(0.1)
    assert held.renewals == 1  # nothing renewed after the update ended
    assert "outlived" not in caplog.text


async def test_a_lock_that_cannot_be_renewed_is_left_to_expire(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(redis_state, "LOCK_SECONDS", 0.03)
    held = _Held(fail=True)
    renewal = redis_state.Renewal(held)  # type: ignore[arg-type]
    await asyncio.sleep(0.1)
    assert renewal.task.done() and held.renewals == 1
    assert "could not renew a conversation lock: LockNotOwnedError" in caplog.text
    await asyncio.wait_for(renewal.stop(), 1)


@pytest.mark.parametrize("in_redis", [False, True])
def test_a_persons_reporter_comes_with_their_state_only_from_sql(
        sessionmaker: Maker, in_redis: bool) -> None:
    # The read-ahead joins the reporter to the SQL state read (storage/fsm.py); with the state
    # in Redis nothing would use the reporter key the middleware works out for it.
    storage = RedisStorage(Redis()) if in_redis else SQLStorage(sessionmaker)
    dp = create_dispatcher(Settings(_env_file=None), sessionmaker, storage=storage)
    [database] = [m for m in dp.update.outer_middleware if isinstance(m, DatabaseMiddleware)]
    assert database.read_ahead is not in_redis
