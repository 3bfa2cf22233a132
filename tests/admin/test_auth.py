"""Signing in and out: hashed passwords, cookie flags, CSRF on every form, revocable
sessions, throttled guessing, the login page."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import AdminUser
from storage.repositories import AdminUserRepository, ReportRepository, TeamRepository
from tests.admin.conftest import PASSWORD, World
from tests.helpers.admin_client import AdminClient


async def test_passwords_are_stored_as_argon2_hashes(world: World,
                                                     sessionmaker: async_sessionmaker[
                                                         AsyncSession]) -> None:
    async with sessionmaker() as session:
        hashes = (await session.scalars(select(AdminUser.password_hash))).all()
    assert hashes and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


async def test_the_session_cookie_is_httponly_and_samesite(client, world: World) -> None:
    await client.get("/admin/login")
    response = await client.post("/admin/login",
                                 {"username": "admin@example.org", "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


async def test_a_form_without_the_csrf_token_is_refused(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    admin = await as_role("admin")
    url = f"/admin/reports/{world.report_a}/curate"
    for token in ("", "forged-token"):
        response = await admin.post(url, {"status": "closed"}, token=token)
        assert response.status_code == 403 and "CSRF" in response.text
    response = await admin.post("/admin/team/create", {"name": "Sneaky"}, token="")
    assert response.status_code == 403
    async with sessionmaker() as session:
        report = await ReportRepository(session).get_by_id(report_id=world.report_a)
        teams = await TeamRepository(session).list()
    assert report is not None and report.status == "new"
    assert "Sneaky" not in [team.name for team in teams]


async def test_login_itself_needs_the_csrf_token(client, world: World) -> None:
    await client.get("/admin/login")
    response = await client.post("/admin/login",
                                 {"username": "admin@example.org", "password": PASSWORD},
                                 token="")
    assert response.status_code == 403


# Revocable sessions: a cookie copied before the change stops working after it.

def _copy_of(app: FastAPI, signed_in: AdminClient) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                             base_url="http://testserver", cookies=signed_in.http.cookies)


async def _still_signed_in(copy: httpx.AsyncClient) -> bool:
    response = await copy.get("/admin/reports")
    assert response.status_code in (200, 302)
    return response.status_code == 200


async def test_logout_ends_the_session(as_role, world: World) -> None:
    admin = await as_role("admin")
    assert (await admin.get("/admin/reports")).status_code == 200
    await admin.get("/admin/account/sign-out")
    response = await admin.post("/admin/logout")
    assert response.status_code == 303 and response.headers["location"].endswith("/login")
    response = await admin.get("/admin/reports")
    assert response.status_code == 302 and response.headers["location"].endswith("/login")


async def test_a_copied_cookie_stops_working_after_logout(app: FastAPI, as_role,
                                                          world: World) -> None:
    admin = await as_role("admin")
    async with _copy_of(app, admin) as copy:
        assert await _still_signed_in(copy)
        await admin.post("/admin/logout")
        assert not await _still_signed_in(copy)


async def test_logout_by_get_does_not_sign_out(as_role, world: World) -> None:
    admin = await as_role("admin")
    response = await admin.get("/admin/logout")
    assert response.status_code == 303
    assert response.headers["location"].endswith("/admin/account/sign-out")
    page = await admin.get("/admin/account/sign-out")
    assert 'id="sign-out-form"' in page.text and 'method="post"' in page.text
    assert (await admin.get("/admin/reports")).status_code == 200


async def test_logout_without_the_csrf_token_is_refused(as_role, world: World) -> None:
    admin = await as_role("admin")
    response = await admin.post("/admin/logout", token="forged-token")
    assert response.status_code == 403
    assert (await admin.get("/admin/reports")).status_code == 200


async def test_a_copied_cookie_stops_working_after_password_change(
        app: FastAPI, as_role, world: World,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    reviewer, admin = await as_role("reviewer"), await as_role("admin")
    async with sessionmaker() as session:
        user = await AdminUserRepository(session).get_by_email(email="reviewer@example.org")
        assert user is not None
    async with _copy_of(app, reviewer) as copy:
        assert await _still_signed_in(copy)
        await admin.get(f"/admin/admin-user/edit/{user.id}")
        response = await admin.post(f"/admin/admin-user/edit/{user.id}", {
            "email": "reviewer@example.org", "role": "reviewer", "active": "y",
            "teams": str(world.team_a), "password_hash": "a brand new reviewer passphrase",
            "save": "Save"})
        assert response.status_code == 302, response.text
        assert not await _still_signed_in(copy)
        assert not await _still_signed_in(reviewer.http)
    assert await _still_signed_in(admin.http)  # the one who changed it is not signed out


@pytest.mark.parametrize("change", [{"role": "viewer"}, {"active": False}],
                         ids=["role_change", "deactivation"])
async def test_a_copied_cookie_stops_working_after_role_change_or_deactivation(
        app: FastAPI, as_role, world: World, change: dict,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    reviewer = await as_role("reviewer")
    async with _copy_of(app, reviewer) as copy:
        assert await _still_signed_in(copy)
        async with sessionmaker() as session:
            users = AdminUserRepository(session)
            user = await users.get_by_email(email="reviewer@example.org")
            assert user is not None
            await users.update(user, **change)
            await session.commit()
        assert not await _still_signed_in(copy)
        if change == {"role": "viewer"}:  # signing in again gives the new role's session
            again = AdminClient(copy)
            assert (await again.login("reviewer@example.org", PASSWORD)).status_code == 302
            assert await _still_signed_in(copy)


# Throttling: guessing slows down for the guesser, never locks the owner out.

async def test_failed_logins_throttle_but_do_not_lock_the_owner_out(app: FastAPI,
                                                                    world: World) -> None:
    def client_at(address: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 4000)),
                                 base_url="http://testserver")

    async with client_at("203.0.113.9") as guesser_http, client_at("198.51.100.7") as owner_http:
        guesser = AdminClient(guesser_http)
        await guesser.get("/admin/login")
        for _ in range(5):
            response = await guesser.post("/admin/login",
                                          {"username": "admin@example.org", "password": "wrong!"})
            assert response.status_code == 400
            assert "email address or password is not right" in response.text
        response = await guesser.post("/admin/login",
                                      {"username": "admin@example.org", "password": PASSWORD})
        assert response.status_code == 429 and "Too many failed sign-ins" in response.text
        owner = AdminClient(owner_http)
        assert (await owner.login("admin@example.org", PASSWORD)).status_code == 302
        assert (await owner.get("/admin/reports")).status_code == 200
        # ... and administrators are told.
        page = await owner.get("/admin/sign-in-failures")
        assert page.status_code == 200 and "admin@example.org" in page.text


async def test_unknown_addresses_fail_like_wrong_passwords(client, world: World) -> None:
    await client.get("/admin/login")
    unknown = await client.post("/admin/login",
                                {"username": "nobody@example.org", "password": PASSWORD})
    assert unknown.status_code == 400
    assert "email address or password is not right" in unknown.text


async def test_only_admins_see_the_sign_in_failures(as_role, world: World) -> None:
    assert (await (await as_role("admin")).get("/admin/sign-in-failures")).status_code == 200
    assert (await (await as_role("reviewer")).get("/admin/sign-in-failures")).status_code == 403


# The login page.

async def test_the_login_page_asks_for_an_email_and_lets_password_managers_fill_it(
        client, world: World) -> None:
    page = (await client.get("/admin/login")).text
    assert "<main" in page and "<h1" in page
    assert 'type="email"' in page and 'autocomplete="username"' in page
    assert 'autocomplete="current-password"' in page
    assert 'autocomplete="off"' not in page and "Username" not in page
    assert "Email address" in page
