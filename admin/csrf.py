"""CSRF protection for every form and script call in the admin (synchroniser token).

The token lives in the signed session; each state-changing request must echo it in a
`csrf_token` form field or an `X-CSRF-Token` header. Our own forms carry the field; SQLAdmin's
forms and fetch calls get it from admin/static/csrf.js, which reads the page's meta tag.

Before a byte of an unsafe request is read, its session must be signed in, or the request be
the sign-in form itself (whose body has a small limit of its own); a body's fields are counted
before it is parsed, so parsing it costs the event loop a bounded time.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from admin.limits import BodyTooLarge, declared_length, read_body, refuse_too_large

SESSION_KEY = "csrf_token"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LOGIN_MAX_BYTES = 16 * 1024  # an email, a password and a token, with room to spare
MAX_FIELDS = 1000  # Starlette's own default; no admin form comes near it
REFUSED = "CSRF check failed: reload the page and try again."


def csrf_token(request: Request) -> str:
    """This session's token, created on first use."""
    token = request.session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return str(token)


class CSRFMiddleware:
    """Sends unsafe requests from a session no one is signed in to back to the sign-in form
    (303), refuses those whose token does not match the session's (403), and bodies too large
    or with too many fields (413).

    `signed_in` tells from the session whether someone is signed in; `login_path` is the
    sign-in form's path inside the wrapped app, `login_route` its route's name. The app-wide
    body limit (admin.limits.BodyLimitMiddleware) applies to every other request.
    """

    def __init__(self, app: ASGIApp, *, signed_in: Callable[[Mapping[str, Any]], bool],
                 login_path: str = "/login", login_route: str = "admin:login",
                 login_max_bytes: int = LOGIN_MAX_BYTES, max_fields: int = MAX_FIELDS) -> None:
        self.app = app
        self.signed_in = signed_in
        self.login_path = login_path
        self.login_route = login_route
        self.login_max_bytes = login_max_bytes
        self.max_fields = max_fields

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            if scope["type"] == "http":
                csrf_token(Request(scope))  # so the first page already has one to render
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        login = _mounted_path(scope) == self.login_path
        if not login and not self.signed_in(request.session):  # before reading a byte
            to_login = request.url_for(self.login_route)
            await RedirectResponse(to_login, status_code=303)(scope, receive, send)
            return
        expected = request.session.get(SESSION_KEY)
        if not expected:
            await _refuse(scope, receive, send)
            return
        limit = self.login_max_bytes if login else None
        if limit is not None and (declared_length(scope) or 0) > limit:
            await refuse_too_large(scope, receive, send)
            return
        try:
            body = await read_body(receive, limit=limit)
        except BodyTooLarge:
            await refuse_too_large(scope, receive, send)
            return
        if _field_count(request.headers.get("content-type", ""), body) > self.max_fields:
            await refuse_too_large(scope, receive, send)
            return
        try:
            given = request.headers.get(HEADER) or await _form_token(request, body)
        except HTTPException as error:  # a malformed multipart body: Starlette says why
            await PlainTextResponse(str(error.detail), status_code=400)(scope, receive, send)
            return
        if not given or not hmac.compare_digest(str(expected), given):
            await _refuse(scope, receive, send)
            return
        await self.app(scope, _replay(body), send)


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse(REFUSED, status_code=403)(scope, receive, send)


def _mounted_path(scope: Scope) -> str:
    """The request's path inside the app this middleware wraps (the admin, mounted at /admin)."""
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def _field_count(content_type: str, body: bytes) -> int:
    """How many fields a form body holds, counted without parsing it."""
    kind, options = parse_options_header(content_type)
    if kind == b"application/x-www-form-urlencoded":
        return body.count(b"&") + 1 if body else 0
    boundary = options.get(b"boundary")
    if kind == b"multipart/form-data" and boundary:
        return body.count(b"--" + boundary)
    return 0


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
        form: FormData = await Request(request.scope, _replay(body)).form(
            max_fields=MAX_FIELDS, max_files=MAX_FIELDS)
        value: Any = form.get(FIELD)
        return value if isinstance(value, str) else None
    return None
