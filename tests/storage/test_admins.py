"""Admin users (roles, teams, sessions, sign-in failures) and the report categories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repositories import (
    AdminUserRepository,
    CategoryRepository,
    SignInFailureRepository,
    TeamRepository,
)
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
    assert (user.role, user.active, user.session_version, user.totp_secret) == (
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


async def test_a_new_password_role_or_active_flag_ends_the_sessions(
    session: AsyncSession,
) -> None:
    users = AdminUserRepository(session)
    user = await users.create(email="ana@example.org", password_hash="h", role="admin")
    versions = [user.session_version]
    for change in ({"password_hash": "h2"}, {"role": "viewer"}, {"active": False},
                   {"role": "viewer"}):  # the last changes nothing
        await users.update(user, **change)
        versions.append(user.session_version)
    await users.end_sessions(user)
    versions.append(user.session_version)
    assert versions == [0, 1, 2, 3, 3, 4]


async def test_sign_in_failures_are_counted_by_address_and_client_and_listed(
    session: AsyncSession,
) -> None:
    failures = SignInFailureRepository(session)
    for n in range(3):
        await failures.record(email="ana@example.org", client="10.0.0.1",
                              now=NOW + timedelta(seconds=n))
    await failures.record(email="ana@example.org", client="10.0.0.2", now=NOW)
    await failures.record(email="bo@example.org", client="10.0.0.1", now=NOW)

    pair = await failures.by_address_and_client(email="ana@example.org", client="10.0.0.1",
                                                since=NOW)
    assert (pair.count, pair.latest) == (3, NOW + timedelta(seconds=2))
    assert (await failures.by_client(client="10.0.0.1", since=NOW)).count == 4
    repeated = await failures.repeated(since=NOW, at_least=2)
    assert [(r.email, r.count, r.clients) for r in repeated] == [("ana@example.org", 4, 2)]

    await failures.forget(email="ana@example.org", client="10.0.0.1")
    assert (await failures.by_client(client="10.0.0.1", since=NOW)).count == 1
    # A day later the old failures are dropped as the next one is recorded.
    await failures.record(email="bo@example.org", client="10.0.0.3", now=NOW + timedelta(days=2))
    assert (await failures.by_client(client="10.0.0.1", since=NOW)).count == 0


async def test_a_successful_sign_in_is_recorded(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker.begin() as session:
        users = AdminUserRepository(session)
        user = await users.create(email="ana@example.org", password_hash="h", role="admin")
        await users.record_login(user, now=NOW + timedelta(hours=1))
    async with sessionmaker() as session:
        again = await AdminUserRepository(session).get(user_id=user.id)
        assert again is not None
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
