"""What a failed send means for its outbox row: wait, retry later, or give up."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)

OUTAGE_RETRY_CAP = 30.0  # seconds: once Telegram is back, a row waits at most this long
OUTAGE_GIVE_UP = timedelta(days=1)  # a row still unsent this long after it was queued fails


class Verdict(Enum):
    WAIT = "wait"  # 429: Telegram's own flood wait; not the row's fault, not an attempt
    RETRY = "retry"  # Telegram refused for a reason that may pass (conflict...): backoff
    # Telegram, or the way to it, is down (5xx, the gateway's page, network, timeout): not the
    # row's fault, so not counted against it; retried at least every OUTAGE_RETRY_CAP seconds
    # until OUTAGE_GIVE_UP after the row was queued.
    OUTAGE = "outage"
    FORBIDDEN = "forbidden"  # bot removed from the group or blocked: nothing more goes there
    FAILED = "failed"  # the request itself is wrong (chat not found, bad HTML): give up


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    error: str
    retry_after: float = 0.0


def classify(error: BaseException) -> Outcome:
    """Map an exception from bot.send_message to what the sender does next."""
    if isinstance(error, TelegramRetryAfter):
        return Outcome(Verdict.WAIT, error.message, float(error.retry_after))
    if isinstance(error, TelegramForbiddenError):
        return Outcome(Verdict.FORBIDDEN, error.message)
    if isinstance(error, TelegramMigrateToChat):
        # The group became a supergroup; the link must follow it before anything is resent.
        return Outcome(Verdict.FAILED, f"migrated to chat {error.migrate_to_chat_id}")
    if isinstance(error, TelegramBadRequest | TelegramNotFound | TelegramEntityTooLarge):
        return Outcome(Verdict.FAILED, error.message)
    if isinstance(error, TelegramServerError | TelegramNetworkError):
        return Outcome(Verdict.OUTAGE, error.message)
    if isinstance(error, TelegramAPIError):  # conflict, unauthorized...
        return Outcome(Verdict.RETRY, error.message)
    if isinstance(error, ClientDecodeError):
        # Not the Bot API's JSON: the HTML error page of the gateway in front of it (nginx's
        # 502 while Telegram is down). Never a reason to stop sending.
        return Outcome(Verdict.OUTAGE, "answer not from the Bot API (gateway error page)")
    if isinstance(error, asyncio.TimeoutError | OSError):
        return Outcome(Verdict.OUTAGE, f"{type(error).__name__}: {error}")
    raise error


def backoff(attempts: int, *, base: float, cap: float) -> float:
    """Seconds before attempt number `attempts + 1`: base, 2 base, 4 base ... up to cap."""
    return float(min(cap, base * 2 ** max(0, attempts - 1)))
