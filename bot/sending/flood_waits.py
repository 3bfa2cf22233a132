"""Telegram's flood waits (429 with retry_after) waited out, for the bot's replies.

Replies (and the apology of bot.dispatcher._on_error) are sent while the person's answer is
already committed: a reply Telegram refuses with 429 must be sent once its retry_after has
passed, or the person never hears what happened to their answer. The outbox sender waits its
flood waits out through its flood gate instead (bot/sending/sender.py: a pause for every lane
of the worker, shared through Redis), so within it (`caller_waits_out_floods`) a 429 goes
straight back to it: every call has one way of waiting, never two stacked.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod

from bot.sending.policy import Verdict, classify

log = logging.getLogger(__name__)
FLOOD_WAITS = 3  # a call refused with 429 this many times in a row is given up
LONGEST_FLOOD_WAIT = 60.0  # seconds: a longer retry_after is not waited out by a reply
_caller_waits: ContextVar[bool] = ContextVar("caller_waits_out_floods", default=False)


@contextmanager
def caller_waits_out_floods() -> Iterator[None]:
    """Within this block (and the tasks started in it) a 429 is raised to the caller, which
    waits it out its own way."""
    token = _caller_waits.set(True)
    try:
        yield
    finally:
        _caller_waits.reset(token)


class WaitOutFloods(BaseRequestMiddleware):
    """A call refused with 429 is made again once Telegram's retry_after has passed, up to
    FLOOD_WAITS times (each at most LONGEST_FLOOD_WAIT seconds); then the 429 is raised."""

    def __init__(self, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.sleep = sleep

    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot,
                       method: TelegramMethod[Any]) -> Any:
        if _caller_waits.get():
            return await make_request(bot, method)
        for _ in range(FLOOD_WAITS):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                outcome = classify(error)
                assert outcome.verdict is Verdict.WAIT
                if outcome.retry_after > LONGEST_FLOOD_WAIT:
                    raise
                # The method only: a private chat's id is its person's Telegram id.
                log.warning("Telegram flood wait %.0f s for %s; sending it then",
                            outcome.retry_after, method.__api_method__)
                await self.sleep(outcome.retry_after)
        return await make_request(bot, method)
