"""Long polling: the embedded default way to run the bot."""

from __future__ import annotations

import logging

from bot.dispatcher import create_bot, create_dispatcher
from nearmiss import memory
from nearmiss.settings import Settings
from storage.db import create_engine, create_sessionmaker

log = logging.getLogger(__name__)


async def poll(settings: Settings) -> None:
    """Run the bot until SIGINT/SIGTERM, then release the database."""
    engine = create_engine(settings.database_url)
    try:
        dp = create_dispatcher(settings, create_sessionmaker(engine))
        bot = create_bot(settings)
        memory.settle()
        # A webhook left by an earlier webhook-mode run would answer every poll with 409.
        try:
            await bot.delete_webhook(drop_pending_updates=False)
        except Exception as error:  # noqa: BLE001 - polling reports a real problem itself
            log.warning("could not remove an old webhook: %s", error)
        await dp.start_polling(bot)
    finally:
        await engine.dispose()
