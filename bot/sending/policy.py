"""What a failed send means for its outbox row: wait, retry later, or give up."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import Enum

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
    TelegramRetryAfter,
)


class Verdict(Enum):
    WAIT = "wait"  # 429: Telegram's own flood wait; not the row's fault, not an attempt
    RETRY = "retry"  # 5xx, network, timeout: try again later with backoff
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
    if isinstance(error, TelegramBadRequest | TelegramNotFound):
        return Outcome(Verdict.FAILED, error.message)
    if isinstance(error, TelegramAPIError):  # server, network, conflict, unauthorized...
        return Outcome(Verdict.RETRY, error.message)
    if isinstance(error, asyncio.TimeoutError | OSError):
        return Outcome(Verdict.RETRY, f"{type(error).__name__}: {error}")
    raise error


def backoff(attempts: int, *, base: float, cap: float) -> float:
    """Seconds before attempt number `attempts + 1`: base, 2 base, 4 base ... up to cap."""
    return float(min(cap, base * 2 ** max(0, attempts - 1)))
