"""TOTP two-factor sign-in: enrolment, the code step, no reuse, required for admins in
production."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pyotp
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.app import create_app
from core.settings import Settings
from tests.admin.conftest import PASSWORD, World
from tests.helpers.admin_client import AdminClient

SECRET = re.compile(r'<code id="two-factor-secret">([A-Z2-7]+)</code>')


def _code(secret: str, steps_ahead: int = 0) -> str:
    """The code an app shows now, or the next step's (still within the accepted drift)."""
    return pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30 * steps_ahead))


async def _enrol(client: AdminClient) -> str:
    page = await client.get("/admin/account/two-factor")
    match = SECRET.search(page.text)
    assert match, page.text
    secret = match.group(1)
    assert "otpauth://totp/nearmiss:" in page.text
    assert '<div id="two-factor-qr" class="my-2"><svg' in page.text
    response = await client.post("/admin/account/two-factor",
                                 {"secret": secret, "code": _code(secret)})
    assert response.status_code == 200 and 'id="two-factor-done"' in response.text
    return secret


async def _password_step(client: AdminClient, email: str) -> httpx.Response:
    await client.get("/admin/login")
    return await client.post("/admin/login", {"username": email, "password": PASSWORD})


async def test_an_enrolled_user_is_asked_for_a_code_and_a_code_works_once(
        app: FastAPI, as_role, world: World) -> None:
    reviewer = await as_role("reviewer")
    secret = await _enrol(reviewer)
    await reviewer.post("/admin/logout")

    response = await _password_step(reviewer, "reviewer@example.org")
    assert response.status_code == 303 and response.headers["location"].endswith("/login")
    page = await reviewer.get("/admin/login")
    assert 'autocomplete="one-time-code"' in page.text
    assert (await reviewer.get("/admin/reports")).status_code == 302  # not signed in yet

    wrong = await reviewer.post("/admin/login", {"code": "000000" if _code(secret, 1) != "000000"
                                                 else "111111"})
    assert wrong.status_code == 400 and "code is not right" in wrong.text
    code = _code(secret, 1)
    assert (await reviewer.post("/admin/login", {"code": code})).status_code == 302
    await reviewer.get("/admin/reports")
    assert (await reviewer.get("/admin/reports")).status_code == 200

    await reviewer.post("/admin/logout")
    await _password_step(reviewer, "reviewer@example.org")
    await reviewer.get("/admin/login")
    reused = await reviewer.post("/admin/login", {"code": code})
    assert reused.status_code == 400 and "used already" in reused.text


async def test_a_wrong_enrolment_code_does_not_enrol(as_role, world: World) -> None:
    reviewer = await as_role("reviewer")
    page = await reviewer.get("/admin/account/two-factor")
    secret = SECRET.search(page.text).group(1)  # type: ignore[union-attr]
    wrong = "000000" if _code(secret) != "000000" else "111111"
    response = await reviewer.post("/admin/account/two-factor", {"secret": secret, "code": wrong})
    assert response.status_code == 400 and 'id="two-factor-error"' in response.text
    await reviewer.post("/admin/logout")
    assert (await reviewer.login("reviewer@example.org", PASSWORD)).status_code == 302


@pytest.fixture
async def production_app(database_url: str, tmp_path: Path,
                         sessionmaker: async_sessionmaker[AsyncSession]) -> FastAPI:
    settings = Settings(_env_file=None, database_url=database_url, data_dir=tmp_path / "data",
                        environment="production", secret_key=secrets.token_urlsafe(48),
                        admin_base_url="http://testserver")
    return create_app(settings, sessionmaker, failed_login_delay=0)


@pytest.fixture
async def production_client(production_app: FastAPI) -> AsyncIterator[AdminClient]:
    transport = httpx.ASGITransport(app=production_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield AdminClient(http)


async def test_totp_required_for_admins_in_production(production_client: AdminClient,
                                                      world: World) -> None:
    admin = production_client
    assert (await admin.login("admin@example.org", PASSWORD)).status_code == 302
    for page in ("/admin/reports", "/admin/admin-user/list", "/admin/sign-in-failures"):
        response = await admin.http.get(page)
        assert response.status_code == 303, page
        assert response.headers["location"].endswith("/admin/account/two-factor")
    page = await admin.get("/admin/account/two-factor")  # (and the session's CSRF token)
    assert 'id="enrol-first"' in page.text
    refused = await admin.post("/admin/team/create", {"name": "Sneaky"})
    assert refused.status_code == 303
    secret = await _enrol(admin)
    assert (await admin.get("/admin/reports")).status_code == 200
    # ... and cannot turn it off again.
    off = await admin.post("/admin/account/two-factor", {"code": _code(secret, 1)})
    assert off.status_code == 400
    await admin.post("/admin/logout")
    assert (await _password_step(admin, "admin@example.org")).status_code == 303


async def test_reviewers_are_not_forced_to_enrol_in_production(production_client: AdminClient,
                                                               world: World) -> None:
    assert (await production_client.login("reviewer@example.org", PASSWORD)).status_code == 302
    assert (await production_client.get("/admin/reports")).status_code == 200
