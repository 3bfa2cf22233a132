"""Errors the fake answers with, shaped exactly like Bot API error responses."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error: raising it anywhere in a method handler becomes the HTTP answer."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            # aiogram turns parameters.retry_after into TelegramRetryAfter.
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    return ApiError(403, f"Forbidden: {reason}")


def too_many_requests(retry_after: int, description: str | None = None) -> ApiError:
    text = description or f"Too Many Requests: retry after {retry_after}"
    return ApiError(429, text, retry_after=retry_after)


# Descriptions shared by several methods; raise them with bad_request(...).
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CHAT_NOT_FOUND = "chat not found"
# A user who exists but never started the bot: bots may not speak first (raise with forbidden).
CANT_INITIATE = "bot can't initiate conversation with a user"
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
NOT_IMPLEMENTED = "method not implemented in fake"


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized")


def not_found() -> ApiError:
    return ApiError(404, "Not Found")
