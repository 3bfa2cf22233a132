"""CSRF protection for every form and script call in the admin (synchroniser token).

The token lives in the signed session; each state-changing request must echo it in a
`csrf_token` form field or an `X-CSRF-Token` header. Our own forms carry the field; SQLAdmin's
forms and fetch calls get it from admin/static/csrf.js, which reads the page's meta tag.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_KEY = "csrf_token"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def csrf_token(request: Request) -> str:
    """This session's token, created on first use."""
    token = request.session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return str(token)


class CSRFMiddleware:
    """Refuses unsafe requests whose token does not match the session's (403)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            if scope["type"] == "http":
                csrf_token(Request(scope))  # so the first page already has one to render
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        request = Request(scope)
        expected = request.session.get(SESSION_KEY)
        given = request.headers.get(HEADER) or await _form_token(request, body)
        if not expected or not given or not hmac.compare_digest(str(expected), given):
            response = PlainTextResponse("CSRF check failed: reload the page and try again.",
                                         status_code=403)
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body), send)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _form_token(request: Request, body: bytes) -> str | None:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(FIELD)
        return values[0] if values else None
    if content_type.startswith("multipart/form-data"):
        form: FormData = await Request(request.scope, _replay(body)).form()
        value: Any = form.get(FIELD)
        return value if isinstance(value, str) else None
    return None
