"""Admin users (roles, teams, sign-in lock-out) and the report categories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repositories import AdminUserRepository, CategoryRepository, TeamRepository
from storage.vocab import DEFAULT_CATEGORIES

NOW = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)


async def test_create_an_admin_user_and_find_them_by_a_typed_email(session: AsyncSession) -> None:
    teams = TeamRepository(session)
    oak, elm = await teams.create(name="Oak House"), await teams.create(name="Elm House")
    users = AdminUserRepository(session)
    user = await users.create(
        email=" Ana@Example.ORG ", password_hash="h", role="reviewer", team_ids=[oak.id, elm.id]
    )

    assert user.email == "ana@example.org"
    assert (user.role, user.active, user.failed_logins, user.locked_until) == (
        "reviewer", True, 0, None,
    )
    assert [team.name for team in user.teams] == ["Elm House", "Oak House"]
    assert await users.get_by_email(email="  ANA@example.org") is user
    assert await users.get(user_id=user.id) is user
    assert await users.get_by_email(email="bob@example.org") is None
    assert await users.count() == 1


async def test_admin_users_are_listed_by_email(session: AsyncSession) -> None:
    users = AdminUserRepository(session)
    for email in ("zoe@example.org", "ana@example.org"):
        await users.create(email=email, password_hash="h", role="viewer")
    assert [u.email for u in await users.list()] == ["ana@example.org", "zoe@example.org"]


async def test_emails_are_unique_whatever_their_case(session: AsyncSession) -> None:
    users = AdminUserRepository(session)
    await users.create(email="ana@example.org", password_hash="h", role="admin")
    with pytest.raises(IntegrityError):
        await users.create(email="ANA@example.org", password_hash="h", role="admin")


@pytest.mark.parametrize("role", ["root", "", "Admin"])
async def test_unknown_roles_are_refused(session: AsyncSession, role: str) -> None:
    users = AdminUserRepository(session)
    with pytest.raises(ValueError, match="role"):
        await users.create(email="ana@example.org", password_hash="h", role=role)
    user = await users.create(email="ana@example.org", password_hash="h", role="viewer")
    with pytest.raises(ValueError, match="role"):
        await users.update(user, role=role)


async def test_unknown_teams_are_refused(session: AsyncSession) -> None:
    with pytest.raises(LookupError, match="999"):
        await AdminUserRepository(session).create(
            email="ana@example.org", password_hash="h", role="viewer", team_ids=[999]
        )


async def test_update_changes_only_what_is_given(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker.begin() as session:
        oak = await TeamRepository(session).create(name="Oak House")
        user = await AdminUserRepository(session).create(
            email="ana@example.org", password_hash="old", role="viewer", team_ids=[oak.id]
        )
    async with sessionmaker.begin() as session:
        users = AdminUserRepository(session)
        loaded = await users.get(user_id=user.id)
        assert loaded is not None
        await users.update(loaded, role="admin", team_ids=())
        await users.update(loaded, active=False, password_hash="new")
    async with sessionmaker() as session:
        again = await AdminUserRepository(session).get(user_id=user.id)
        assert again is not None
        assert (again.role, again.active, again.password_hash, again.teams) == (
            "admin", False, "new", [],
        )


async def test_five_failed_sign_ins_lock_the_account_for_fifteen_minutes(
    session: AsyncSession,
) -> None:
    users = AdminUserRepository(session)
    user = await users.create(email="ana@example.org", password_hash="h", role="admin")
    for n in range(1, 5):
        await users.record_failed_login(user, now=NOW + timedelta(seconds=n))
        assert (user.failed_logins, user.locked_until) == (n, None)

    await users.record_failed_login(user, now=NOW + timedelta(seconds=5))

    assert user.failed_logins == 5
    assert user.locked_until == NOW + timedelta(seconds=5, minutes=15)


async def test_after_the_lock_the_count_starts_afresh(session: AsyncSession) -> None:
    users = AdminUserRepository(session)
    user = await users.create(email="ana@example.org", password_hash="h", role="admin")
    for _ in range(2):
        await users.record_failed_login(user, now=NOW, lock_after=2, lock_for=timedelta(hours=1))
    assert user.locked_until == NOW + timedelta(hours=1)

    later = NOW + timedelta(hours=2)
    await users.record_failed_login(user, now=later, lock_after=2, lock_for=timedelta(hours=1))

    assert (user.failed_logins, user.locked_until) == (1, None)


async def test_a_successful_sign_in_forgets_the_failures(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker.begin() as session:
        users = AdminUserRepository(session)
        user = await users.create(email="ana@example.org", password_hash="h", role="admin")
        for _ in range(5):
            await users.record_failed_login(user, now=NOW)
        await users.record_login(user, now=NOW + timedelta(hours=1))
    async with sessionmaker() as session:
        again = await AdminUserRepository(session).get(user_id=user.id)
        assert again is not None
        assert (again.failed_logins, again.locked_until) == (0, None)
        assert again.last_login_at == NOW + timedelta(hours=1)


async def test_the_default_categories_are_seeded_in_order(session: AsyncSession) -> None:
    categories = await CategoryRepository(session).list()
    assert [(c.key, c.name, c.position) for c in categories] == [
        (key, name, position) for position, (key, name) in enumerate(DEFAULT_CATEGORIES)
    ]
    assert categories[0].key == "medication" and categories[-1].key == "other"


async def test_new_categories_go_last_and_retired_ones_are_hidden(session: AsyncSession) -> None:
    categories = CategoryRepository(session)
    nutrition = await categories.create(key=" nutrition ", name=" Nutrition and hydration ")
    assert (nutrition.key, nutrition.name, nutrition.position) == (
        "nutrition", "Nutrition and hydration", len(DEFAULT_CATEGORIES),
    )
    falls = await categories.get_by_key(key="falls")
    assert falls is not None
    falls.active = False
    await session.flush()

    active = [c.key for c in await categories.list()]
    every = [c.key for c in await categories.list(active_only=False)]
    assert "falls" not in active and active[-1] == "nutrition"
    assert every[1] == "falls" and len(every) == len(DEFAULT_CATEGORIES) + 1
    assert await categories.get_by_key(key="unknown") is None
    with pytest.raises(IntegrityError):
        await categories.create(key="nutrition", name="Again")
