"""The bot token kept out of every log line, exception text and health answer.

Telegram's Bot API puts the token in every URL (`.../bot<token>/<method>`), so any error that
names the URL (a malformed TELEGRAM_API_URL, a network failure) would carry it into the log,
where anyone reading logs could take over the bot. The token's secret half (after the colon) is
replaced by REDACTED wherever it appears; the bot's id before it stays, as it is public.

`install()` (configure_logging calls it) wraps the logging record factory, so every record of
every logger is cleaned as it is made, whichever handler writes it (uvicorn configures its
own handlers after ours), its message, arguments, exception text and stack included.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any
from urllib.parse import quote

REDACTED = "<redacted>"
_secrets: list[str] = []  # the forms of the token's secret half to replace, longest first


def secret_forms(token: str) -> list[str]:
    """The token's secret half as it may appear: as is, and percent-encoded in a URL."""
    secret = token.strip().partition(":")[2] or token.strip()
    if len(secret) < 8:  # nothing that short could be told from ordinary text
        return []
    return sorted({secret, quote(secret, safe="")}, key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with every known secret replaced by REDACTED."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def holds_secret(text: str) -> bool:
    return any(secret in text for secret in _secrets)


def install(token: str | None) -> None:
    """Redact `token` from every log record made from now on, and from redact()'s answers."""
    if not token:
        return
    for form in secret_forms(token):
        if form not in _secrets:
            _secrets.append(form)
    _secrets.sort(key=len, reverse=True)
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "redacting", False):
        logging.setLogRecordFactory(_redacting(factory))


def _redacting(make: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = make(*args, **kwargs)
        if _secrets:
            _clean(record)
        return record

    factory.redacting = True  # type: ignore[attr-defined]
    return factory


def _clean(record: logging.LogRecord) -> None:
    """Replace the secret in the record's message, exception and stack text."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a malformed call: logging reports it when formatting
        message = str(record.msg)
    if holds_secret(message):
        record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[1] is not None:
        # Formatters use exc_text when it is set, instead of formatting the exception again.
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if holds_secret(text):
            record.exc_text = redact(text)
    if record.stack_info and holds_secret(record.stack_info):
        record.stack_info = redact(record.stack_info)
