"""The fake Bot API on 127.0.0.1, and a tiny bot polling it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher

from tests.fake_telegram.echo_bot import make_bot, make_router
from tests.helpers.fake_telegram import FakeTelegram


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    """A Dispatcher polling the fake with handle_as_tasks=False (what wait_handled needs)."""
    bot = make_bot(fake)
    dispatcher = Dispatcher()
    dispatcher.include_router(make_router())
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot, handle_as_tasks=False, polling_timeout=10, handle_signals=False
        )
    )
    await fake.wait_until_polling()
    yield bot
    await dispatcher.stop_polling()
    await polling
