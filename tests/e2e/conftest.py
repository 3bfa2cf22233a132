"""End-to-end fixtures: the fake Bot API on 127.0.0.1, the real dispatcher, a seeded team."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from storage.models import Team
from storage.repositories import TeamRepository
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import FakeTelegram
from tests.helpers.web import chromium


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake
        # Whatever a test did, the bot never sent Telegram anything Telegram would refuse.
        fake.assert_no_rejections()


@pytest.fixture
def settings(database_url: str, fake: FakeTelegram) -> Settings:
    return Settings(_env_file=None, bot_token=fake.token, database_url=database_url,
                    telegram_api_url=fake.base_url, default_language="en",
                    timezone="Europe/London")


@pytest.fixture
async def running(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                  fake: FakeTelegram) -> AsyncIterator[RunningBot]:
    runner = RunningBot(settings, sessionmaker, fake)
    await runner.start()
    yield runner
    await runner.stop()


@pytest.fixture
async def team(sessionmaker: async_sessionmaker[AsyncSession]) -> Team:
    async with sessionmaker() as session:
        team = await TeamRepository(session).create(
            name="Rosewood House", places=("Lounge", "Kitchen", "Garden"))
        await session.commit()
    return team


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, for the tests of what pages do in a browser."""
    async with chromium() as browser:
        yield browser
