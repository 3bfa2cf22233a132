"""Request bodies have a ceiling: refused (413) from Content-Length before a byte is read,
or as soon as a chunked body passes it, so no request can hold the event loop or the memory.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE = "This request is too large to accept."


class BodyTooLarge(HTTPException):
    """A body over its limit; an HTTPException, so the app's own handlers answer 413 too."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail=TOO_LARGE)


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length, or None when it has none (a chunked body)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def read_body(receive: Receive, *, limit: int | None) -> bytes:
    """The whole body, or BodyTooLarge as soon as it passes `limit` bytes (if one is given)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def refuse_too_large(scope: Scope, receive: Receive, send: Send) -> None:
    """The 413 answer, sent without reading the body."""
    response = PlainTextResponse(TOO_LARGE, status_code=413, headers={"Connection": "close"})
    await response(scope, receive, send)


class BodyLimitMiddleware:
    """Refuses every request whose body is, or grows, larger than `max_bytes`."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await refuse_too_large(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await refuse_too_large(scope, receive, send)
