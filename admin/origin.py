"""Every URL the app builds comes from configuration (ADMIN_BASE_URL), not the Host header.

Starlette builds absolute URLs (SQLAdmin's links, form actions, redirects) from the request's
scheme and Host header; a forged Host would send a signing-in user elsewhere. This middleware
puts the configured scheme and host in their place before anything reads them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

DEFAULT_PORTS = {"http": 80, "https": 443}


class ConfiguredOriginMiddleware:
    """Rewrites each HTTP request's scheme, server and Host to those of `base_url`."""

    def __init__(self, app: ASGIApp, *, base_url: str) -> None:
        self.app = app
        parts = urlsplit(base_url)
        self.scheme = parts.scheme
        self.host = parts.netloc.encode("latin-1")
        self.server = (parts.hostname or "", parts.port or DEFAULT_PORTS[parts.scheme])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = [(name, value) for name, value in scope["headers"] if name != b"host"]
            scope = {**scope, "scheme": self.scheme, "server": self.server,
                     "headers": [(b"host", self.host), *headers]}
        await self.app(scope, receive, send)
