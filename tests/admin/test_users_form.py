"""The Users form: an administrator changes a role or deactivates someone without a password."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import AdminUser
from tests.admin.conftest import World


async def _user(sessionmaker: async_sessionmaker[AsyncSession], email: str) -> AdminUser:
    async with sessionmaker() as session:
        return (await session.scalars(select(AdminUser).where(AdminUser.email == email))).one()


async def test_the_new_password_field_is_not_required_when_editing(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    admin = await as_role("admin")
    viewer = await _user(sessionmaker, "viewer@example.org")
    page = (await admin.get(f"/admin/admin-user/edit/{viewer.id}")).text
    [field] = re.findall(r"<input[^>]*name=\"password_hash\"[^>]*>", page)
    assert "required" not in field


async def test_an_admin_changes_a_role_and_deactivates_without_resetting_the_password(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    admin = await as_role("admin")
    viewer = await _user(sessionmaker, "viewer@example.org")
    await admin.get(f"/admin/admin-user/edit/{viewer.id}")
    response = await admin.post(f"/admin/admin-user/edit/{viewer.id}", [
        ("email", "viewer@example.org"), ("role", "reviewer"), ("teams", str(world.team_a)),
        ("password_hash", ""), ("save", "Save")])
    assert response.status_code == 302, response.text[:500]
    changed = await _user(sessionmaker, "viewer@example.org")
    assert (changed.role, changed.active) == ("reviewer", False)
    assert changed.password_hash == viewer.password_hash


async def test_a_new_user_still_needs_a_password(as_role, world: World,
                                                sessionmaker: async_sessionmaker[AsyncSession]
                                                ) -> None:
    admin = await as_role("admin")
    await admin.get("/admin/admin-user/create")
    response = await admin.post("/admin/admin-user/create", [
        ("email", "new@example.org"), ("role", "viewer"), ("password_hash", ""),
        ("save", "Save")])
    assert response.status_code == 400
    assert "A new user needs a password." in response.text
    async with sessionmaker() as session:
        emails = set(await session.scalars(select(AdminUser.email)))
    assert "new@example.org" not in emails
