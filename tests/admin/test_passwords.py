"""Accounts: what a new password must be, one password however its accents are typed,
email addresses checked."""

from __future__ import annotations

import unicodedata

import pytest
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.security import MAX_PASSWORD_LENGTH, hash_password, password_problem, verify_password
from storage.repositories import AdminUserRepository
from tests.admin.conftest import World
from tests.helpers.admin_client import AdminClient

COMPOSED = unicodedata.normalize("NFC", "crème brûlée sous la tonnelle")
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)


async def _create_user(admin: AdminClient, email: str, password: str):
    await admin.get("/admin/admin-user/create")
    return await admin.post("/admin/admin-user/create", {
        "email": email, "role": "viewer", "active": "y", "password_hash": password,
        "save": "Save"})


async def _user_exists(sessionmaker: async_sessionmaker[AsyncSession], email: str) -> bool:
    async with sessionmaker() as session:
        return await AdminUserRepository(session).get_by_email(email=email) is not None


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "password1234", "abcabcabcabc",
                                      "qwertyuiop123", "newstaff@example.org"])
async def test_common_and_repetitive_passwords_are_refused(
        as_role, world: World, password: str,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    admin = await as_role("admin")
    response = await _create_user(admin, "newstaff@example.org", password)
    assert response.status_code == 400 and "too easy to guess" in response.text
    assert not await _user_exists(sessionmaker, "newstaff@example.org")


async def test_a_strong_password_is_accepted(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    admin = await as_role("admin")
    response = await _create_user(admin, "newstaff@example.org", "violet kettle under thunder")
    assert response.status_code == 302, response.text
    assert await _user_exists(sessionmaker, "newstaff@example.org")


def test_passwords_are_capped_in_length_before_hashing() -> None:
    assert "at most" in (password_problem("violet kettle " * 20) or "")
    assert not verify_password(hash_password("violet kettle"), "x" * 100_000)
    assert len("violet kettle " * 9) <= MAX_PASSWORD_LENGTH


@pytest.mark.parametrize("email", ["not-an-email", "two@@example.org", "space in@example.org",
                                   "nobody@localhost"])
async def test_invalid_email_addresses_are_refused(
        as_role, world: World, email: str,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    admin = await as_role("admin")
    response = await _create_user(admin, email, "violet kettle under thunder")
    assert response.status_code == 400 and "Email" in response.text
    assert not await _user_exists(sessionmaker, email)
    async with sessionmaker() as session:
        with pytest.raises(ValueError, match="not an email address"):
            await AdminUserRepository(session).create(email=email, password_hash="h",
                                                      role="viewer")


async def test_composed_and_decomposed_passwords_are_one(
        client: AdminClient, world: World,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    assert COMPOSED != DECOMPOSED
    async with sessionmaker() as session:
        users = AdminUserRepository(session)
        for email, typed in (("chef@example.org", COMPOSED), ("cook@example.org", DECOMPOSED)):
            await users.create(email=email, role="viewer", password_hash=hash_password(typed))
        await session.commit()
    for email, typed in (("chef@example.org", DECOMPOSED), ("cook@example.org", COMPOSED)):
        assert (await client.login(email, typed)).status_code == 302, email
        assert (await client.get("/admin/reports")).status_code == 200


async def test_a_password_hashed_before_normalisation_still_signs_in_and_is_rehashed(
        client: AdminClient, world: World,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        await AdminUserRepository(session).create(
            email="chef@example.org", role="viewer",
            password_hash=PasswordHasher().hash(DECOMPOSED))  # as typed, not normalised
        await session.commit()
    assert (await client.login("chef@example.org", DECOMPOSED)).status_code == 302
    async with sessionmaker() as session:
        user = await AdminUserRepository(session).get_by_email(email="chef@example.org")
        assert user is not None
    PasswordHasher().verify(user.password_hash, unicodedata.normalize("NFKC", DECOMPOSED))
    assert (await client.get("/admin/reports")).status_code == 200  # still signed in
