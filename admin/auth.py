"""Signing in and out of the admin: argon2 passwords, TOTP, a revocable signed session,
throttled guessing, grants."""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqladmin.authentication import AuthenticationBackend
from sqladmin.authorization import GrantsAuthorizationBackend
from sqladmin.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin import throttle, two_factor
from admin.csrf import SESSION_KEY, CSRFMiddleware
from admin.roles import CurrentUser
from admin.security import hash_password, needs_rehash, verify_password
from conversations import N_
from storage.models import AdminUser, utcnow
from storage.repositories import AdminUserRepository, SignInFailureRepository
from storage.repositories.admins import normalise_email

SESSION_HOURS = 8
FAILED_LOGIN_DELAY = 1.0  # seconds; with the throttle, slows password guessing to a crawl
# Between a right password and its code: after this long, the password is asked again.
CODE_WAIT = timedelta(minutes=5)
INVALID = N_("The email address or password is not right.")
WRONG_CODE = N_("That code is not right, or has been used already. Enter the newest code "
                "from your authenticator app.")
THROTTLED = N_("Too many failed sign-ins from here. Try again in {minutes} minutes.")
EXPIRED = N_("That took too long. Sign in again.")


class AdminAuth(AuthenticationBackend):
    """Email and password (and a TOTP code when enrolled) against admin_users.

    The session holds the user's id and session_version: raising the version (signing out,
    a new password, role or active flag) ends every session made before it.
    """

    def __init__(self, secret_key: str, sessionmaker: async_sessionmaker[AsyncSession], *,
                 https_only: bool, require_admin_totp: bool = False,
                 failed_login_delay: float = FAILED_LOGIN_DELAY) -> None:
        super().__init__(secret_key=secret_key, session_cookie="nearmiss_admin",
                         max_age=SESSION_HOURS * 3600, same_site="lax", https_only=https_only)
        # Inside the session middleware: the CSRF check needs the session, and refuses any
        # unsafe request but the sign-in form's from a session no one has signed in to.
        self.middlewares.append(Middleware(
            CSRFMiddleware, signed_in=lambda session: isinstance(session.get("user_id"), int)))
        self.sessionmaker = sessionmaker
        self.require_admin_totp = require_admin_totp
        self.failed_login_delay = failed_login_delay
        self.templates: Jinja2Templates | None = None  # the admin's, set by create_app()

    async def login(self, request: Request) -> Response | bool:
        form = await request.form()
        if form.get("restart"):
            request.session.clear()
            return RedirectResponse(request.url_for("admin:login"), status_code=303)
        if request.session.get("pending_user_id") is not None:
            return await self._second_step(request, str(form.get("code", "")))
        email = normalise_email(str(form.get("username", "")))[:254]
        return await self._first_step(request, email, str(form.get("password", "")))

    async def _first_step(self, request: Request, email: str, password: str) -> Response | bool:
        client, now = _client(request), utcnow()
        async with self.sessionmaker() as session:
            wait = await throttle.wait_before_trying(session, email=email, client=client, now=now)
            if wait is not None:
                return await self._refuse(request, THROTTLED, 429, minutes=throttle.minutes(wait))
            users = AdminUserRepository(session)
            user = await users.get_by_email(email=email)
            matches = verify_password(user.password_hash if user else None, password)
            if user is None or not user.active or not matches:
                await SignInFailureRepository(session).record(email=email, client=client, now=now)
                await session.commit()
                await asyncio.sleep(self.failed_login_delay)
                return await self._refuse(request, INVALID, 400)
            if needs_rehash(user.password_hash, password):  # ends its other sessions, once
                await users.update(user, password_hash=hash_password(password))
            if user.totp_secret is None:
                await self._signed_in(session, request, user, now)
                return True
            await session.commit()
        request.session.clear()
        request.session.update({"pending_user_id": user.id,
                                "pending_version": user.session_version,
                                "pending_since": now.timestamp(),
                                SESSION_KEY: secrets.token_urlsafe(32)})
        return RedirectResponse(request.url_for("admin:login"), status_code=303)

    async def _second_step(self, request: Request, code: str) -> Response | bool:
        client, now = _client(request), utcnow()
        since = request.session.get("pending_since")
        if not isinstance(since, float) or now.timestamp() - since > CODE_WAIT.total_seconds():
            request.session.clear()
            return await self._refuse(request, EXPIRED, 400)
        async with self.sessionmaker() as session:
            users = AdminUserRepository(session)
            user = await users.get(user_id=int(request.session["pending_user_id"]))
            if user is None or not self._current(user, request.session.get("pending_version")):
                request.session.clear()
                return await self._refuse(request, EXPIRED, 400)
            wait = await throttle.wait_before_trying(session, email=user.email, client=client,
                                                     now=now)
            if wait is not None:
                return await self._refuse(request, THROTTLED, 429, minutes=throttle.minutes(wait))
            step = two_factor.matching_step(user.totp_secret or "", code, now)
            if step is None or not await users.use_totp_step(user, step=step):
                await SignInFailureRepository(session).record(email=user.email, client=client,
                                                              now=now)
                await session.commit()
                await asyncio.sleep(self.failed_login_delay)
                return await self._refuse(request, WRONG_CODE, 400)
            await self._signed_in(session, request, user, now)
        return True

    async def _signed_in(self, session: AsyncSession, request: Request, user: AdminUser,
                         now: datetime) -> None:
        """Commit the sign-in and start a fresh session (nothing from before carries over)."""
        await AdminUserRepository(session).record_login(user, now=now)
        await SignInFailureRepository(session).forget(email=user.email, client=_client(request))
        await session.commit()
        request.session.clear()
        request.session.update({"user_id": user.id, "session_version": user.session_version,
                                SESSION_KEY: secrets.token_urlsafe(32)})

    async def _refuse(self, request: Request, message: str, status: int,
                      **params: object) -> Response:
        if self.templates is None:
            raise RuntimeError("create_app() gives the backend the admin's templates")
        return await self.templates.TemplateResponse(
            request, "sqladmin/login.html", {"error": message, "error_params": params},
            status_code=status)

    async def logout(self, request: Request) -> Response:
        """SQLAdmin's sign-out link is a GET: it only asks, the POST signs out."""
        return RedirectResponse(request.url_for("admin:view-sign-out"), status_code=303)

    async def authenticate(self, request: Request) -> Response | bool:
        user_id = request.session.get("user_id")
        if not isinstance(user_id, int):
            return False
        async with self.sessionmaker() as session:
            user = await AdminUserRepository(session).get(user_id=user_id)
            if user is None or not self._current(user, request.session.get("session_version")):
                request.session.clear()
                return False
            request.state.nearmiss_user = CurrentUser(
                id=user.id, email=user.email, role=user.role,
                team_ids=tuple(team.id for team in user.teams))
            request.state.nearmiss_two_factor = user.totp_secret is not None
        if self.must_enrol(user) and not _enrolment_allowed(request):
            return RedirectResponse(request.url_for("admin:view-two-factor"), status_code=303)
        return True

    def must_enrol(self, user: AdminUser) -> bool:
        """Admins need two-factor sign-in in production; until enrolled, only enrolment."""
        return self.require_admin_totp and user.role == "admin" and user.totp_secret is None

    @staticmethod
    def _current(user: AdminUser, version: object) -> bool:
        return user.active and isinstance(version, int) and version == user.session_version

    async def get_user_id(self, request: Request) -> Any:
        user = getattr(request.state, "nearmiss_user", None)
        return user.id if user else None


def _client(request: Request) -> str:
    """The client's address (the proxy's forwarded one when uvicorn trusts the proxy)."""
    return request.client.host if request.client else "unknown"


def _enrolment_allowed(request: Request) -> bool:
    paths = {request.url_for(name).path
             for name in ("admin:view-two-factor", "admin:view-sign-out", "admin:view-logout")}
    return request.url.path in paths


class RoleGrants(GrantsAuthorizationBackend):
    """SQLAdmin's model views (the Setup menu) are for administrators alone.

    The other pages are our own views, which check the role themselves.
    """

    async def get_grants(self, request: Request) -> set[tuple[str, str]]:
        user = getattr(request.state, "nearmiss_user", None)
        return {("*", "*")} if user is not None and user.can("manage") else set()
