"""`nearmiss reports import`: a provider's history stored as anonymous reports in time order,
matched by code or label in any language, teams and places created on request, imported once,
and learnt from before the command returns (heads-ups to groups only with --announce)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import (
    OutboxMessage,
    PatternAlert,
    PatternCheck,
    Place,
    Report,
    ReportIdentity,
    Team,
)
from storage.repositories import GroupRepository, TeamRepository
from tests.nearmiss.import_helpers import count, row, run_import, write_csv

GROUP = -7001
SIMILAR = "A resident nearly tripped on the loose rug by the lounge door"


@pytest.fixture
async def team_id(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker.begin() as session:
        team = await TeamRepository(session).create(name="Rosewood House",
                                                    places=["Lounge", "Kitchen"])
        return team.id


async def reports(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Report]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Report).order_by(Report.id)))


async def test_a_good_file_is_stored_in_time_order_anonymous_and_learnt_from(
        tmp_path: Path, database_url: str, team_id: int, capsys: pytest.CaptureFixture[str],
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    path = write_csv(tmp_path / "history.csv", [
        row(occurred_at="2025-03-09T20:15", external_id="OLD-3", what_happened=SIMILAR,
            immediate_action="Moved the rug", suggestions="Tape the rug down",
            who_told="manager; nurse"),
        row(occurred_at="2025-03-02T08:00", external_id="OLD-1", what_happened=SIMILAR),
        row(occurred_at="2025-03-05T14:30", external_id="OLD-2", what_happened=SIMILAR,
            place="kitchen", category="medication"),
        row(occurred_at="2025-03-07T23:10", external_id="OLD-4", what_happened=SIMILAR),
    ])
    code, out, _ = await run_import(database_url, sessionmaker, capsys, path)
    assert code == 0
    assert "Imported: 4 (NM-2025-0001 to NM-2025-0004)" in out and "Rejected: 0" in out
    stored = await reports(sessionmaker)
    assert [r.external_id for r in stored] == ["OLD-1", "OLD-2", "OLD-4", "OLD-3"]
    assert [(r.occurred_date, r.occurred_time, r.time_of_day) for r in stored] == [
        (date(2025, 3, 2), time(8, 0), "morning"), (date(2025, 3, 5), time(14, 30), "afternoon"),
        (date(2025, 3, 7), time(23, 10), "night"), (date(2025, 3, 9), time(20, 15), "evening")]
    assert {r.confidentiality for r in stored} == {"anonymous"}
    assert await count(sessionmaker, ReportIdentity) == 0
    last = stored[-1]
    assert (last.team_id, last.place, last.category, last.what_happened) == (
        team_id, "Lounge", "falls", SIMILAR)
    assert (last.immediate_action, last.suggestions, last.told_parties) == (
        "Moved the rug", "Tape the rug down", ["manager", "nurse"])
    assert stored[1].place == "Kitchen" and stored[1].place_id is not None  # as the team has it
    assert stored[0].submitted_at == datetime(2025, 3, 2, 8, 0, tzinfo=UTC)  # when it happened
    assert stored[0].immediate_action is None and stored[0].status == "new"
    # The pass ran before the command returned: nothing queued, the three at the Lounge alerted.
    assert await count(sessionmaker, PatternCheck) == 0
    assert await count(sessionmaker, PatternAlert) >= 1


async def test_categories_answers_and_parts_of_the_day_by_code_or_label_in_english_or_welsh(
        tmp_path: Path, database_url: str, team_id: int, capsys: pytest.CaptureFixture[str],
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    columns = ("Team", " PLACE ", "Category", "Occurred_At", "what_happened", "how_prevented",
               "immediate_action", "suggestions", "who_told", "external_id", "time_of_day")
    cells = [("falls", "2025-03-01", "Noswaith", "manager"),
             ("  falls AND   mobility ", "2025-03-02", "evening", "Nurse;GP"),
             ("Cwympiadau a symudedd", "2025-03-03", "bore", "Rheolwr / arweinydd tîm; Teulu"),
             ("Meddyginiaeth", "2025-03-04", "Night", "nobody"),
             ("personal care", "2025-03-05T09:00", "", "On-call")]
    rows = [{**row(external_id=f"W-{n}"), "Category": category, "Occurred_At": when,
             "Team": "rosewood house", " PLACE ": "LOUNGE", "time_of_day": period,
             "who_told": told} for n, (category, when, period, told) in enumerate(cells)]
    path = write_csv(tmp_path / "labels.csv", rows, columns)
    code, out, err = await run_import(database_url, sessionmaker, capsys, path)
    assert code == 0, err
    stored = await reports(sessionmaker)
    assert [(r.category, r.time_of_day, r.told_parties) for r in stored] == [
        ("falls", "evening", ["manager"]), ("falls", "evening", ["gp", "nurse"]),
        ("falls", "morning", ["family", "manager"]), ("medication", "night", ["nobody"]),
        ("personal_care", "morning", ["on_call"])]
    assert {r.place for r in stored} == {"Lounge"} and {r.team_id for r in stored} == {team_id}


async def test_unknown_teams_and_places_are_errors_unless_create_missing_makes_them(
        tmp_path: Path, database_url: str, team_id: int, capsys: pytest.CaptureFixture[str],
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    path = write_csv(tmp_path / "new.csv", [
        row(),
        row(place="Garden Room"),
        row(team="Oak Lodge", place="Hall"),
        row(team="oak lodge", place="hall", occurred_at="2025-03-05T10:00"),
    ])
    code, _, err = await run_import(database_url, sessionmaker, capsys, path)
    assert code == 2
    assert "line 3: place 'Garden Room' is not one of 'Rosewood House''s places" in err
    assert "line 4: team 'Oak Lodge' not found" in err and "line 5: team" in err
    assert await count(sessionmaker, Report) == 0 and await count(sessionmaker, Team) == 1
    code, out, err = await run_import(database_url, sessionmaker, capsys, path,
                                      "--create-missing")
    assert code == 0, err
    assert "Imported: 4" in out
    async with sessionmaker() as session:
        oak = await session.scalar(select(Team).where(Team.name == "Oak Lodge"))
        assert oak is not None and len(oak.code) > 0  # a join code, as `team add` makes
        places = {(p.team_id, p.name) for p in await session.scalars(select(Place))}
    assert {(team_id, "Garden Room"), (oak.id, "Hall")} <= places
    stored = await reports(sessionmaker)
    assert sorted((r.team_id, r.place) for r in stored if r.team_id == oak.id) == [
        (oak.id, "Hall"), (oak.id, "Hall")]
    assert all(r.place_id is not None for r in stored)


async def test_a_second_run_skips_what_was_imported_as_duplicates(
        tmp_path: Path, database_url: str, team_id: int, capsys: pytest.CaptureFixture[str],
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    first = [row(external_id="X-1"), row(external_id="X-2", occurred_at="2025-03-05T10:00"),
             row(occurred_at="2025-03-06T10:00")]  # no external id: known by its content
    path = write_csv(tmp_path / "a.csv", first)
    assert (await run_import(database_url, sessionmaker, capsys, path))[0] == 0
    again = write_csv(tmp_path / "b.csv", [*first, row(external_id="X-3",
                                                       occurred_at="2025-03-07T10:00")])
    code, out, _ = await run_import(database_url, sessionmaker, capsys, again)
    assert code == 0
    assert "Imported: 1 (NM-2025-0004 to NM-2025-0004)" in out
    assert "Skipped as duplicates: 3" in out
    assert [r.external_id for r in await reports(sessionmaker)] == ["X-1", "X-2", None, "X-3"]


@pytest.mark.parametrize("announce", [False, True])
async def test_heads_ups_reach_the_teams_group_only_with_announce(
        announce: bool, tmp_path: Path, database_url: str, team_id: int,
        capsys: pytest.CaptureFixture[str],
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker.begin() as session:
        await GroupRepository(session).link(team_id=team_id, chat_id=GROUP, title="Day shift",
                                            linked_by=1, now=datetime.now(UTC))
    path = write_csv(tmp_path / "h.csv", [
        row(occurred_at=f"2025-03-0{day}T10:00", external_id=f"H-{day}", what_happened=SIMILAR)
        for day in (2, 3, 4)])
    flags = ("--announce",) if announce else ()
    assert (await run_import(database_url, sessionmaker, capsys, path, *flags))[0] == 0
    assert await count(sessionmaker, PatternAlert) >= 1  # learnt either way
    async with sessionmaker() as session:
        texts = list(await session.scalars(select(OutboxMessage.text).where(
            OutboxMessage.chat_id == GROUP)))
    if announce:
        assert len(texts) == 1 and "rug" not in texts[0]  # never the workers' words
    else:
        assert texts == []
