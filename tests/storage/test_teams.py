"""Teams: join codes, lookup by a code as people type it, places in button order."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Place, Team
from storage.repositories import TeamRepository, new_join_code, normalise_code
from storage.repositories.teams import CODE_ALPHABET, CODE_LENGTH
from storage.schemas import TeamRow


def test_join_codes_use_only_unambiguous_characters() -> None:
    codes = {new_join_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == CODE_LENGTH
        assert set(code) <= set(CODE_ALPHABET)
    assert not set("0O1IL") & set(CODE_ALPHABET)


def test_normalise_code() -> None:
    assert normalise_code(" abcd-efgh ") == "ABCDEFGH"
    assert normalise_code("ab cd ef gh") == "ABCDEFGH"


async def test_create_team_with_places_and_find_it_by_a_typed_code(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        team = await TeamRepository(session).create(name="Oak House", places=["Lounge", "Garden"])
        await session.commit()
    team_id = team.id
    await _set_code(sessionmaker, team_id, "ABCDEFGH")

    async with sessionmaker() as session:
        teams = TeamRepository(session)
        found = await teams.get_by_code(code=" abcd-efgh ")
        assert found == TeamRow(id=team_id, name="Oak House")
        assert await teams.get_by_code(code="ZZZZZZZZ") is None
        assert await teams.get_by_code(code=" - ") is None
        team = await teams.get(team_id=team_id)
        assert team is not None and [p.name for p in team.places] == ["Lounge", "Garden"]
        assert (await teams.get_by_name(name="Oak House")) is team
        assert team.created_at.tzinfo is not None


async def _set_code(
    sessionmaker: async_sessionmaker[AsyncSession], team_id: int, code: str
) -> None:
    async with sessionmaker.begin() as session:
        await session.execute(update(Team).where(Team.id == team_id).values(code=code))


async def test_list_teams_by_name(session: AsyncSession) -> None:
    teams = TeamRepository(session)
    for name in ("Willow", "Ash", "Maple"):
        await teams.create(name=name)
    assert [t.name for t in await teams.list()] == ["Ash", "Maple", "Willow"]


async def test_places_are_active_ones_by_position_then_name(session: AsyncSession) -> None:
    teams = TeamRepository(session)
    team = await teams.create(name="Oak House", places=["Lounge", "Garden", "Kitchen"])
    added = await teams.add_place(team_id=team.id, name="Bathroom")
    assert added.position == 3
    lounge = team.places[0]
    lounge.active = False
    session.add(Place(team_id=team.id, name="Attic", position=3))
    await session.flush()

    places = await teams.places(team_id=team.id)

    assert [p.name for p in places] == ["Garden", "Kitchen", "Attic", "Bathroom"]
    assert [p.name for p in team.places][-1] == "Bathroom"


async def test_a_place_id_is_found_only_for_an_active_place_of_the_team(
    session: AsyncSession,
) -> None:
    teams = TeamRepository(session)
    oak = await teams.create(name="Oak House", places=["Lounge", "Garden"])
    elm = await teams.create(name="Elm House", places=["Lounge"])
    oak.places[1].active = False
    await session.flush()

    assert await teams.place_id(team_id=oak.id, name="Lounge") == oak.places[0].id
    assert await teams.place_id(team_id=elm.id, name="Lounge") == elm.places[0].id
    assert await teams.place_id(team_id=oak.id, name="Garden") is None  # no longer offered
    assert await teams.place_id(team_id=oak.id, name="lounge") is None  # typed, not tapped


async def test_add_place_to_a_team_without_places_starts_at_zero(session: AsyncSession) -> None:
    teams = TeamRepository(session)
    team = await teams.create(name="Oak House")
    assert (await teams.add_place(team_id=team.id, name="Lounge")).position == 0


async def test_duplicate_place_name_is_rejected(session: AsyncSession) -> None:
    teams = TeamRepository(session)
    team = await teams.create(name="Oak House", places=["Lounge"])
    with pytest.raises(IntegrityError):
        await teams.add_place(team_id=team.id, name="Lounge")


async def test_same_place_name_in_two_teams_is_fine(session: AsyncSession) -> None:
    teams = TeamRepository(session)
    await teams.create(name="Oak House", places=["Lounge"])
    other = await teams.create(name="Elm House", places=["Lounge"])
    assert [p.name for p in await teams.places(team_id=other.id)] == ["Lounge"]


async def test_duplicate_team_name_is_rejected(session: AsyncSession) -> None:
    teams = TeamRepository(session)
    await teams.create(name="Oak House")
    with pytest.raises(IntegrityError):
        await teams.create(name="Oak House")


async def test_add_place_to_a_missing_team(session: AsyncSession) -> None:
    with pytest.raises(LookupError):
        await TeamRepository(session).add_place(team_id=999, name="Lounge")
