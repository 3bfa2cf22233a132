"""Runs the real dispatcher in-process against the fake Bot API, and restarts it on demand."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dispatcher import UPDATE_TYPES, create_bot, create_dispatcher
from core.settings import Settings
from tests.helpers.fake_telegram import FakeTelegram


class RunningBot:
    """create_dispatcher() + long polling, as production runs it, but one update at a time.

    handle_as_tasks=False makes aiogram finish every update before it polls again, so the fake
    knows exactly when an update has been handled and tests never sleep.
    """

    def __init__(self, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                 fake: FakeTelegram, *, as_tasks: bool = False) -> None:
        self.as_tasks = as_tasks
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.fake = fake
        self.task: asyncio.Task[Any] | None = None

    async def start(self) -> None:
        self.dp = create_dispatcher(self.settings, self.sessionmaker)
        self.bot = create_bot(self.settings)
        polls_before = len(self.fake.calls_to("getUpdates"))
        self.task = asyncio.create_task(self.dp.start_polling(
            self.bot, handle_as_tasks=self.as_tasks, handle_signals=False, polling_timeout=1,
            allowed_updates=list(UPDATE_TYPES)))
        await self.fake.wait_for(lambda: len(self.fake.calls_to("getUpdates")) > polls_before)

    async def stop(self) -> None:
        if self.task is None:
            return
        await self.dp.stop_polling()
        await self.task
        self.task = None

    async def restart(self) -> None:
        """A brand-new dispatcher and bot on the same database: what a process restart sees."""
        await self.stop()
        await self.start()
