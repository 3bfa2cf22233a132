"""The Group chats page: administrators make one-time link codes and see each team's groups."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import LinkCode, OutboxMessage
from storage.repositories import GroupRepository, OutboxRepository
from storage.repositories.teams import CODE_ALPHABET, CODE_LENGTH
from tests.admin.conftest import World

CODE = re.compile(rf"/link ([{CODE_ALPHABET}]{{{CODE_LENGTH}}})")


async def _codes(sessionmaker: async_sessionmaker[AsyncSession]) -> list[LinkCode]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(LinkCode)))


async def test_an_admin_makes_a_link_code_and_sees_it_once(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    admin = await as_role("admin")
    page = await admin.get("/admin/groups")
    assert page.status_code == 200
    assert 'href="http://testserver/admin/groups"' in page.text  # in the admin's menu
    assert "Rosewood House" in page.text and "Oak Lodge" in page.text
    assert "No group chat linked yet." in page.text

    made = await admin.post(f"/admin/groups/{world.team_b}/code")
    assert made.status_code == 200, made.text[:300]
    match = CODE.search(made.text)
    assert match, made.text
    (stored,) = await _codes(sessionmaker)
    assert (stored.code, stored.team_id, stored.created_by) == (
        match.group(1), world.team_b, "admin@example.org")
    assert "valid for 7 days" in made.text
    assert match.group(1) not in (await admin.get("/admin/groups")).text  # shown only once


async def test_the_page_lists_each_teams_groups_with_their_state(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    now = datetime.now(UTC)
    async with sessionmaker.begin() as session:
        groups = GroupRepository(session)
        await groups.link(team_id=world.team_a, chat_id=-1001, title="Rosewood leads",
                          linked_by=7, now=now)
        await groups.link(team_id=world.team_b, chat_id=-1002, title="Oak <leads>",
                          linked_by=8, now=now)
        await groups.deactivate(chat_id=-1002, reason="removed", now=now)
    page = (await (await as_role("admin")).get("/admin/groups")).text
    assert "Rosewood leads" in page and "Active" in page
    assert "Oak &lt;leads&gt;" in page and "bot removed from the group" in page


async def test_a_post_without_the_csrf_token_makes_no_code(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    admin = await as_role("admin")
    response = await admin.post(f"/admin/groups/{world.team_a}/code", token="forged")
    assert response.status_code == 403
    assert await _codes(sessionmaker) == []


async def test_a_code_for_a_team_that_does_not_exist_is_404(as_role, world: World) -> None:
    admin = await as_role("admin")
    assert (await admin.post("/admin/groups/999999/code")).status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
async def test_only_administrators_reach_group_chats(
        as_role, world: World, role: str, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    client = await as_role(role)
    assert (await client.get("/admin/groups")).status_code == 403
    assert (await client.post(f"/admin/groups/{world.team_a}/code")).status_code == 403
    assert (await client.post("/admin/groups/link/1/unlink")).status_code == 403
    assert (await client.post("/admin/groups/code/1/cancel")).status_code == 403
    assert await _codes(sessionmaker) == []
    assert "/admin/groups" not in (await client.get("/admin/reports")).text  # not in the menu


async def test_an_admin_unlinks_a_group_and_what_waited_for_it_is_not_sent(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    now = datetime.now(UTC)
    async with sessionmaker.begin() as session:
        link = await GroupRepository(session).link(team_id=world.team_a, chat_id=-1001,
                                                   title="Rosewood leads", linked_by=7, now=now)
        await OutboxRepository(session).enqueue(batch="bulletin:1", kind="bulletin", messages=[
            (-1001, True, "Learning"), (-1002, True, "Learning")])
    admin = await as_role("admin")
    assert (await admin.post(f"/admin/groups/link/{link.id}/unlink", token="forged")
            ).status_code == 403
    response = await admin.post(f"/admin/groups/link/{link.id}/unlink")
    assert response.status_code == 303
    async with sessionmaker() as session:
        after = await GroupRepository(session).get(chat_id=-1001)
        rows = dict((await session.execute(
            select(OutboxMessage.chat_id, OutboxMessage.status))).all())
    assert after is not None and not after.active and after.deactivated_reason == "admin"
    assert rows == {-1001: "failed", -1002: "pending"}
    assert "unlinked in the admin panel" in (await admin.get("/admin/groups")).text
    assert (await admin.post("/admin/groups/link/999999/unlink")).status_code == 404


async def test_an_unused_code_is_listed_without_the_code_and_can_be_cancelled(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    admin = await as_role("admin")
    code = CODE.search((await admin.post(f"/admin/groups/{world.team_a}/code")).text)
    assert code is not None
    page = (await admin.get("/admin/groups")).text
    assert "Unused code made by admin@example.org" in page and code.group(1) not in page
    (stored,) = await _codes(sessionmaker)

    assert (await admin.post(f"/admin/groups/code/{stored.id}/cancel")).status_code == 303

    assert "Unused code made by" not in (await admin.get("/admin/groups")).text
    async with sessionmaker.begin() as session:
        assert await GroupRepository(session).use_code(
            code=code.group(1), chat_id=-1001, now=datetime.now(UTC)) is None
    assert (await admin.post(f"/admin/groups/code/{stored.id}/cancel")).status_code == 404
