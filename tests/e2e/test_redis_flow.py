"""Reports filed with conversation state in Redis (REDIS_URL), end to end through the fake.

Several worker processes share the state there; aiogram's RedisEventIsolation makes two of
them handle one person's updates one after the other.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dispatcher import create_bot, create_dispatcher
from bot.turn import Turn
from core.settings import Settings
from storage.models import FsmRecord, Report, Team
from tests.e2e.flow import choose, no_harm, privacy
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import ChatClient, FakeTelegram
from tests.helpers.redis_server import REDIS_URL, keys_under, needs_redis, redis, redis_prefix

__all__ = ["redis", "redis_prefix"]  # fixtures
Maker = async_sessionmaker[AsyncSession]
pytestmark = needs_redis


@pytest.fixture
def settings(database_url: str, fake: FakeTelegram, redis_prefix: str) -> Settings:
    return Settings(_env_file=None, bot_token=fake.token, database_url=database_url,
                    telegram_api_url=fake.base_url, default_language="en",
                    timezone="Europe/London", redis_url=REDIS_URL, redis_prefix=redis_prefix)


async def _to_told(chat: ChatClient, team: Team) -> None:
    """Join and answer up to the multi-select "who was told" question."""
    await chat.send(f"/start {team.code}")
    await no_harm(chat)
    await chat.click("Today")
    afternoon = datetime.now(ZoneInfo("Europe/London")).hour >= 12
    await chat.click("Afternoon" if afternoon else "Night")
    await chat.click("Kitchen")
    await chat.click("Medication")
    await chat.send("Wrong tablets nearly given to a resident at the lunchtime round")
    await chat.send("Second staff check against the chart caught it")
    await chat.click("Skip")
    assert "Who have you told" in chat.last_text()


async def _finish(chat: ChatClient, confidentiality: str = "named") -> None:
    """From "who was told" (answered) to the summary."""
    await chat.click("Skip")  # suggestions
    await privacy(chat, confidentiality)
    assert "Please check your report" in chat.last_text()


async def _reports(sessionmaker: Maker) -> list[str]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Report.reference).order_by(Report.id)))


async def _fsm_rows(sessionmaker: Maker) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(FsmRecord)) or 0


async def test_a_report_in_redis_survives_a_restart_and_leaves_nothing_there(
        fake: FakeTelegram, running: RunningBot, team: Team, sessionmaker: Maker,
        redis: Redis, redis_prefix: str) -> None:
    chat = fake.private_chat(1001, "Amara")
    await _to_told(chat, team)
    assert await keys_under(redis, redis_prefix) == [
        f"{redis_prefix}:1001:1001:default:data", f"{redis_prefix}:1001:1001:default:state"]
    assert await _fsm_rows(sessionmaker) == 0  # nothing of the conversation in SQL

    await running.restart()  # a new dispatcher, a new Redis client: the same draft
    await chat.click("Nobody yet")
    await _finish(chat, "anonymous")
    summary = chat.last_text()
    for expected in ("Kitchen", "Medication", "Wrong tablets nearly given", "Nobody yet"):
        assert expected in summary
    await chat.click("Submit report")
    [reference] = await _reports(sessionmaker)
    assert reference in chat.last_text()
    # Anonymous: nothing keyed by the worker's id remains in Redis, not even a lock.
    assert await keys_under(redis, redis_prefix) == []


async def test_two_workers_given_one_persons_two_taps_at_once_keep_both(
        fake: FakeTelegram, running: RunningBot, team: Team, settings: Settings,
        sessionmaker: Maker, redis: Redis, redis_prefix: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite each update's transaction (BEGIN IMMEDIATE) happens to serialise these too;
    on PostgreSQL only the Redis lock does, and this test is what checks it there."""
    chat = fake.private_chat(1002, "Ben")
    await _to_told(chat, team)
    await running.stop()
    real_context = Turn.context

    async def slow_context(self: Turn, wanted: frozenset[str] = frozenset()) -> Any:
        # Between reading the draft and writing it back: without a lock across workers,
        # both read the draft without either tick and the second write loses the first.
        await asyncio.sleep(0.3)
        return await real_context(self, wanted)

    monkeypatch.setattr(Turn, "context", slow_context)
    taps = [await choose(chat, "told", index, wait=False) for index in (1, 2)]
    updates = [next(u for u in fake.updates.pending if u["update_id"] == update_id)
               for update_id in taps]
    workers = [(create_dispatcher(settings, sessionmaker), create_bot(settings))
               for _ in updates]
    try:
        await asyncio.gather(*(dp.feed_raw_update(bot, update)
                               for (dp, bot), update in zip(workers, updates, strict=True)))
    finally:
        for dp, bot in workers:
            await dp.storage.close()
            await bot.session.close()
    data = json.loads(await redis.get(f"{redis_prefix}:1002:1002:default:data") or "{}")
    assert sorted(data["draft"]["answers"]["told"]) == ["manager", "nurse"]
    for update_id in taps:
        fake.updates.delivered(update_id)
    monkeypatch.setattr(Turn, "context", real_context)

    await running.start()
    await chat.click("Done")
    await _finish(chat)
    summary = chat.last_text()
    assert "Manager / team lead" in summary and "Nurse" in summary, summary


async def test_a_failure_between_the_report_and_the_end_of_its_draft_resubmits_the_same(
        fake: FakeTelegram, running: RunningBot, team: Team, sessionmaker: Maker,
        redis: Redis, redis_prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    chat = fake.private_chat(1003, "Chidi")
    await _to_told(chat, team)
    await chat.click("Nobody yet")
    await _finish(chat)
    real_set_state = RedisStorage.set_state
    failures = []

    async def set_state(self: RedisStorage, key: Any, state: Any = None) -> None:
        if state is None and not failures:
            failures.append(key)
            raise RedisConnectionError("Redis went away")
        await real_set_state(self, key, state)

    monkeypatch.setattr(RedisStorage, "set_state", set_state)
    await chat.click("Submit report")
    assert failures and "Sorry, something went wrong" in chat.last_text()
    [reference] = await _reports(sessionmaker)  # stored and committed before the draft ends
    assert await keys_under(redis, redis_prefix)  # the draft is still there

    await chat.click("Submit report")  # the worker taps again
    assert await _reports(sessionmaker) == [reference]
    assert reference in chat.last_text() and "Thank you" in chat.last_text()
    assert await keys_under(redis, redis_prefix) == []


async def test_forgetme_erases_the_conversation_state_in_redis(
        fake: FakeTelegram, running: RunningBot, team: Team, redis: Redis,
        redis_prefix: str) -> None:
    chat = fake.private_chat(1004, "Dana")
    await _to_told(chat, team)
    await chat.send("/forgetme")
    await chat.click("Yes, erase my details")
    assert "Done. Your name and Telegram details have been erased" in chat.last_text()
    assert await keys_under(redis, redis_prefix) == []


async def test_a_code_asked_for_and_an_edit_mid_report_keep_the_draft_in_redis(
        fake: FakeTelegram, running: RunningBot, team: Team, sessionmaker: Maker) -> None:
    chat = fake.private_chat(1006, "Eira")
    await _to_told(chat, team)
    typed = next(n for n, message in chat.state.user_messages.items()
                 if message.get("text", "").startswith("Wrong tablets"))
    await chat.send("/start ZZZZ2222")  # an old invite link
    assert "couldn't find a team with that code" in chat.last_text()
    await chat.send("/cancel")
    assert "stopped asking for a team code" in chat.texts()[-2]
    assert "Who have you told" in chat.last_text()
    await chat.edit(typed, "Wrong tablets nearly given at the teatime round")
    assert "I've changed your answer to “What nearly happened”" in chat.last_text()
    await chat.click("Nobody yet")
    await _finish(chat)
    assert "What nearly happened: Wrong tablets nearly given at the teatime round" \
        in chat.last_text()
    await chat.click("Submit report")
    assert len(await _reports(sessionmaker)) == 1
