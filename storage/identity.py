"""Pseudonymous keys for Telegram users, so team membership never stores a Telegram id.

A reporter's team and language are kept under HMAC-SHA256(key, user id). Without the key
(it lives in the settings, never in the database) a copy of the database cannot be turned
back into Telegram ids; with it, the bot finds a returning worker's team. Changing the key
makes every worker enter their team code once more, and loses nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

CONFIDENTIALITY = ("named", "confidential", "anonymous")
REPORT_KINDS = ("near_miss", "incident")
CONTACT_ROLES = ("on_call", "safeguarding")


@lru_cache(maxsize=4096)  # every update of a person asks for theirs
def telegram_key(secret: bytes, telegram_user_id: int) -> str:
    """The reporter key for a Telegram user: 64 hex characters."""
    if not secret:
        raise ValueError("an identity key is needed to pseudonymise Telegram ids")
    message = f"nearmiss-reporter:{int(telegram_user_id)}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
