"""Reaching Telegram at start-up: tried again, with capped back-off, until it answers.

A care home's server may boot while its internet connection is still down. The bot's first
calls (removing an old webhook, asking who it is) then fail with a network error, a gateway's
5xx page or a timeout; giving up would leave the bot down until someone restarts it. Instead
they are tried again after 1, 2, 4 ... seconds, at most a minute apart, and the failure is
logged once and then at most once a minute, until Telegram answers. Only a token Telegram
rejects (401) is final: trying it again cannot help, so it is raised at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram.exceptions import ClientDecodeError, TelegramAPIError, TelegramUnauthorizedError

from bot.sending.policy import backoff

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_CAP = 60.0  # seconds between attempts at most
LOG_EVERY = 60.0  # seconds between two log lines about the same failure at least
TOKEN_REJECTED = "Telegram rejected BOT_TOKEN (401 Unauthorized); check the token"


def reason(error: BaseException) -> str:
    """The failure in one line, for the log and /healthz."""
    if isinstance(error, ClientDecodeError):
        return "an answer not from the Bot API (a gateway's error page)"
    if isinstance(error, TelegramAPIError):
        return f"{type(error).__name__}: {error.message}"
    return f"{type(error).__name__}: {error}"


async def until_reached(call: Callable[[], Awaitable[T]], *,
                        on_failure: Callable[[str], None],
                        clock: Callable[[], float] | None = None,
                        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> T:
    """`call()`'s answer once Telegram gives one; each failure is passed to `on_failure`.

    Raises TelegramUnauthorizedError (the token is refused) after logging it."""
    clock = clock or asyncio.get_running_loop().time
    attempts, logged_at = 0, None
    while True:
        try:
            answer = await call()
        except TelegramUnauthorizedError:
            on_failure(TOKEN_REJECTED)
            log.error("%s; the bot is not running", TOKEN_REJECTED)
            raise
        except Exception as error:  # noqa: BLE001 - anything else may pass: try again
            attempts += 1
            why = reason(error)
            on_failure(f"cannot reach Telegram: {why}")
            if logged_at is None or clock() - logged_at >= LOG_EVERY:
                logged_at = clock()
                log.warning("cannot reach Telegram (%s); trying again, at least once a minute, "
                            "until it answers", why)
            await sleep(backoff(attempts, base=1.0, cap=RETRY_CAP))
            continue
        if attempts:
            log.info("Telegram answers again after %d failed attempts", attempts)
        return answer
