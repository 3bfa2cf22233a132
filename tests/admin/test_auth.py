"""Signing in: hashed passwords, cookie flags, CSRF on every form, lock-out, sign-out."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import AdminUser
from storage.repositories import ReportRepository, TeamRepository
from tests.admin.conftest import PASSWORD, World


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


async def test_wrong_passwords_lock_the_account(client, world: World) -> None:
    await client.get("/admin/login")
    for _ in range(5):
        response = await client.post("/admin/login",
                                     {"username": "admin@example.org", "password": "wrong!"})
        assert response.status_code == 400 and "Invalid credentials" in response.text
    response = await client.post("/admin/login",
                                 {"username": "admin@example.org", "password": PASSWORD})
    assert response.status_code == 400  # locked: even the right password waits
    unknown = await client.post("/admin/login",
                                {"username": "nobody@example.org", "password": PASSWORD})
    assert unknown.status_code == 400 and "Invalid credentials" in unknown.text


async def test_logout_ends_the_session(as_role, world: World) -> None:
    admin = await as_role("admin")
    assert (await admin.get("/admin/reports")).status_code == 200
    await admin.get("/admin/logout")
    response = await admin.get("/admin/reports")
    assert response.status_code == 302 and response.headers["location"].endswith("/login")
