"""Signing in and out of the admin: argon2 passwords, a signed session, lock-out, grants."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from sqladmin.authentication import AuthenticationBackend
from sqladmin.authorization import GrantsAuthorizationBackend
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.middleware import Middleware
from starlette.requests import Request

from admin.csrf import SESSION_KEY, CSRFMiddleware
from admin.roles import CurrentUser
from admin.security import verify_password
from storage.models import utcnow
from storage.repositories import AdminUserRepository

SESSION_HOURS = 8
FAILED_LOGIN_DELAY = 1.0  # seconds; with the lock-out, slows password guessing to a crawl


class AdminAuth(AuthenticationBackend):
    """Email and password against admin_users; the session holds only the user's id."""

    def __init__(self, secret_key: str, sessionmaker: async_sessionmaker[AsyncSession], *,
                 https_only: bool, failed_login_delay: float = FAILED_LOGIN_DELAY) -> None:
        super().__init__(secret_key=secret_key, session_cookie="nearmiss_admin",
                         max_age=SESSION_HOURS * 3600, same_site="lax", https_only=https_only)
        # Inside the session middleware: the CSRF check needs the session, and refuses any
        # unsafe request but the sign-in form's from a session no one has signed in to.
        self.middlewares.append(Middleware(
            CSRFMiddleware, signed_in=lambda session: isinstance(session.get("user_id"), int)))
        self.sessionmaker = sessionmaker
        self.failed_login_delay = failed_login_delay

    async def login(self, request: Request) -> bool:
        form = await request.form()
        email = str(form.get("username", "")).strip().lower()
        password = str(form.get("password", ""))
        async with self.sessionmaker() as session:
            users = AdminUserRepository(session)
            user = await users.get_by_email(email=email)
            now = utcnow()
            locked = user is not None and user.locked_until is not None and user.locked_until > now
            matches = verify_password(user.password_hash if user else None, password)
            if user is None or not user.active or locked or not matches:
                if user is not None and not locked:
                    await users.record_failed_login(user, now=now)
                await session.commit()
                await asyncio.sleep(self.failed_login_delay)
                return False
            await users.record_login(user, now=now)
            await session.commit()
        request.session.clear()  # nothing from before sign-in carries over
        request.session.update({"user_id": user.id, SESSION_KEY: secrets.token_urlsafe(32)})
        return True

    async def logout(self, request: Request) -> bool:
        request.session.clear()
        return True

    async def authenticate(self, request: Request) -> bool:
        user_id = request.session.get("user_id")
        if not isinstance(user_id, int):
            return False
        async with self.sessionmaker() as session:
            user = await AdminUserRepository(session).get(user_id=user_id)
            if user is None or not user.active:
                request.session.clear()
                return False
            request.state.nearmiss_user = CurrentUser(
                id=user.id, email=user.email, role=user.role,
                team_ids=tuple(team.id for team in user.teams))
        return True

    async def get_user_id(self, request: Request) -> Any:
        user = getattr(request.state, "nearmiss_user", None)
        return user.id if user else None


class RoleGrants(GrantsAuthorizationBackend):
    """SQLAdmin's model views (the Setup menu) are for administrators alone.

    The other pages are our own views, which check the role themselves.
    """

    async def get_grants(self, request: Request) -> set[tuple[str, str]]:
        user = getattr(request.state, "nearmiss_user", None)
        return {("*", "*")} if user is not None and user.can("manage") else set()
