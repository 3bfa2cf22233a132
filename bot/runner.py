"""Long polling: the embedded default way to run the bot."""

from __future__ import annotations

import asyncio
import logging

from bot.dispatcher import UPDATE_TYPES, create_bot, create_dispatcher
from bot.patterns import pattern_watch
from bot.startup import until_reached
from core import memory
from core.settings import Settings
from storage.db import create_engine, create_sessionmaker

log = logging.getLogger(__name__)


async def poll(settings: Settings) -> None:
    """Run the bot until SIGINT/SIGTERM, then release the database."""
    engine = create_engine(settings.database_url)
    try:
        sessionmaker = create_sessionmaker(engine)
        dp = create_dispatcher(settings, sessionmaker)
        bot = create_bot(settings)
        memory.settle()
        # A webhook left by an earlier webhook-mode run would answer every poll with 409.
        # Telegram may not be reachable yet (the server booted before its connection): the
        # call is tried until it answers (bot/startup.py).
        await until_reached(lambda: bot.delete_webhook(drop_pending_updates=False),
                            on_failure=lambda reason: None)
        # Reports are checked for repeats beside the polling, as `nearmiss run` does.
        stop = asyncio.Event()
        watching = asyncio.create_task(
            pattern_watch(settings, sessionmaker, dp["translator"]).run(stop))
        try:
            await dp.start_polling(bot, allowed_updates=list(UPDATE_TYPES))
        finally:
            stop.set()
            await watching
    finally:
        await engine.dispose()
