"""Security headers on every response: what a page may load, who may frame it, what is kept.

The admin's pages run only scripts served from its own static files (no inline script), may
not be framed, and nothing but those static files is kept in a browser's or a proxy's cache:
report content must not stay behind on a shared office PC.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ADMIN_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
# A standalone page (the governance report): no script at all, nothing fetched, its own
# <style>; the response sets it and the middleware leaves it be.
STANDALONE_POLICY = "; ".join((
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
))
HSTS = "max-age=31536000"


class SecurityHeadersMiddleware:
    """Adds the headers to every HTTP response; static files (`cacheable` path prefixes) are
    the only responses a browser may keep."""

    def __init__(self, app: ASGIApp, *, https_only: bool, cacheable: Sequence[str]) -> None:
        self.app = app
        self.https_only = https_only
        self.cacheable = tuple(cacheable)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        keep = scope["path"].startswith(self.cacheable)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.add(MutableHeaders(scope=message), keep=keep)
            await send(message)

        await self.app(scope, receive, with_headers)

    def add(self, headers: MutableHeaders, *, keep: bool) -> None:
        headers.setdefault("Content-Security-Policy", ADMIN_POLICY)
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        if self.https_only:
            headers["Strict-Transport-Security"] = HSTS
        if not keep:
            headers["Cache-Control"] = "no-store"
