"""Logging as an operator needs it: levels that keep workers' words out of the log, and the
bot token never written (core/log_redaction.py)."""

from __future__ import annotations

import logging

from core import log_redaction
from core.settings import Settings


def configure_logging(settings: Settings) -> None:
    """Logging as an operator needs it (every worker process calls this too), the bot token
    never written (core/log_redaction.py)."""
    log_redaction.install(settings.bot_token.get_secret_value() if settings.bot_token else None)
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Alembic announces every plugin and step at INFO; an operator needs only its problems.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.root.level))
    # aiosqlite logs every statement with its parameters at DEBUG: workers' words and ids.
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, logging.root.level))
    # aiogram logs every update handled ("Update id=... is handled. Duration ...") at INFO: a
    # line per tap for thousands of staff, and a share of the bot's CPU under load. Its
    # failures are logged at ERROR (and ours by bot.dispatcher._on_error); DEBUG shows all.
    if logging.root.level > logging.DEBUG:
        logging.getLogger("aiogram.event").setLevel(max(logging.WARNING, logging.root.level))
