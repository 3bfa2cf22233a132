"""Group links: one-time codes that expire, links that come back, and who bulletins go to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repositories import GroupRepository, TeamRepository
from storage.repositories.teams import CODE_ALPHABET, CODE_LENGTH

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GROUP, OTHER_GROUP = -1001001, -1002002


@pytest.fixture
async def teams(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    async with sessionmaker.begin() as session:
        rose = await TeamRepository(session).create(name="Rosewood House")
        oak = await TeamRepository(session).create(name="Oak Lodge")
    return rose.id, oak.id


async def test_a_code_is_short_unambiguous_and_valid_for_seven_days(
        session: AsyncSession, teams: tuple[int, int]) -> None:
    code = await GroupRepository(session).create_code(
        team_id=teams[0], created_by="admin@example.org", now=NOW)
    assert len(code.code) == CODE_LENGTH and set(code.code) <= set(CODE_ALPHABET)
    assert code.expires_at == NOW + timedelta(days=7)
    assert code.used_at is None


async def test_a_code_links_once_as_typed_and_never_again(
        sessionmaker: async_sessionmaker[AsyncSession], teams: tuple[int, int]) -> None:
    async with sessionmaker.begin() as session:
        code = (await GroupRepository(session).create_code(
            team_id=teams[0], created_by="a@example.org", now=NOW)).code
    typed = f" {code[:4].lower()}-{code[4:]} "
    async with sessionmaker.begin() as session:
        used = await GroupRepository(session).use_code(code=typed, chat_id=GROUP, now=NOW)
        assert used is not None and used.team_id == teams[0]
        assert used.used_at == NOW and used.used_chat_id == GROUP
    async with sessionmaker.begin() as session:
        again = await GroupRepository(session).use_code(code=code, chat_id=OTHER_GROUP, now=NOW)
    assert again is None


async def test_an_expired_or_unknown_code_links_nothing(
        session: AsyncSession, teams: tuple[int, int]) -> None:
    groups = GroupRepository(session)
    code = await groups.create_code(team_id=teams[0], created_by="a@example.org", now=NOW,
                                    valid_for=timedelta(hours=1))
    later = NOW + timedelta(hours=1)
    assert await groups.use_code(code=code.code, chat_id=GROUP, now=later) is None
    assert await groups.use_code(code="ZZZZZZZZ", chat_id=GROUP, now=NOW) is None
    assert await groups.use_code(code="", chat_id=GROUP, now=NOW) is None
    assert await groups.use_code(code="A" * 5000, chat_id=GROUP, now=NOW) is None
    assert await groups.use_code(code=code.code, chat_id=GROUP,
                                 now=later - timedelta(seconds=1)) is not None


async def test_relinking_a_chat_reactivates_it_for_the_new_team(
        session: AsyncSession, teams: tuple[int, int]) -> None:
    groups = GroupRepository(session)
    rose, oak = teams
    first = await groups.link(team_id=rose, chat_id=GROUP, title="Rose leads", linked_by=7,
                              now=NOW)
    await groups.deactivate(chat_id=GROUP, reason="removed", now=NOW + timedelta(days=1))
    again = await groups.link(team_id=oak, chat_id=GROUP, title="Oak leads", linked_by=8,
                              now=NOW + timedelta(days=2))
    assert again.id == first.id
    assert (again.team_id, again.title, again.linked_by, again.active) == (oak, "Oak leads", 8,
                                                                         True)
    assert again.deactivated_at is None and again.deactivated_reason is None
    assert [link.chat_id for link in await groups.list()] == [GROUP]


async def test_deactivate_records_why_once_and_ignores_unknown_chats(
        session: AsyncSession, teams: tuple[int, int]) -> None:
    groups = GroupRepository(session)
    await groups.link(team_id=teams[0], chat_id=GROUP, title="Rose", linked_by=7, now=NOW)
    ended = await groups.deactivate(chat_id=GROUP, reason="unlink", now=NOW)
    assert ended is not None and not ended.active
    assert (ended.deactivated_reason, ended.deactivated_at) == ("unlink", NOW)
    assert await groups.deactivate(chat_id=GROUP, reason="removed", now=NOW) is None
    assert (await groups.get(chat_id=GROUP)).deactivated_reason == "unlink"
    assert await groups.deactivate(chat_id=OTHER_GROUP, reason="removed", now=NOW) is None


async def test_active_for_teams_is_scoped_to_the_teams_and_skips_inactive_links(
        session: AsyncSession, teams: tuple[int, int]) -> None:
    groups = GroupRepository(session)
    rose, oak = teams
    await groups.link(team_id=rose, chat_id=GROUP, title="Rose", linked_by=7, now=NOW)
    await groups.link(team_id=oak, chat_id=OTHER_GROUP, title="Oak", linked_by=8, now=NOW)
    await groups.link(team_id=oak, chat_id=-1003003, title="Oak old", linked_by=8, now=NOW)
    await groups.deactivate(chat_id=-1003003, reason="403", now=NOW)

    def chats(links: list) -> list[int]:
        return [link.chat_id for link in links]

    assert chats(await groups.active_for_teams(team_ids=[rose])) == [GROUP]
    assert chats(await groups.active_for_teams(team_ids=[oak])) == [OTHER_GROUP]
    assert chats(await groups.active_for_teams(team_ids=None)) == [GROUP, OTHER_GROUP]
    assert await groups.active_for_teams(team_ids=[]) == []
    assert len(await groups.list(team_id=oak)) == 2
    assert len(await groups.list()) == 3
