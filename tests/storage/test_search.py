"""The admin report list: filters alone and combined, team scope, text, sorts, pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories import ReportRepository, TeamRepository
from storage.schemas import ReportFilters
from storage.vocab import REPORT_SORTS
from tests.helpers.backend import postgres_only, sqlite_only
from tests.storage.builders import store_report


@dataclass(frozen=True)
class World:
    """Five reports in three teams; ids by label r1..r5, submitted in that order."""

    ids: dict[str, int]
    oak: int
    elm: int
    ash: int

    def labels(self, reports: list[object]) -> list[str]:
        by_id = {v: k for k, v in self.ids.items()}
        return [by_id[r.id] for r in reports]  # type: ignore[attr-defined]


# label: team, day of March (submitted), day occurred, place, category, texts, curation
ROWS = {
    "r3": ("elm", 10, 10, "lounge", "medication",
           {"what_happened": "Wrong dose prepared", "suggestions": "Use 100% checks"},
           {"status": "closed", "tier": "serious"}),
    "r1": ("oak", 1, 1, "Lounge", "medication",
           {"what_happened": "Pots swapped on the TROLLEY"}, {}),
    "r5": ("ash", 20, 20, "Minibus", "behaviour", {"how_prevented": "Calm voice"}, {}),
    "r2": ("oak", 5, 5, "Kitchen", "falls", {"what_happened": "Wet floor by the sink"},
           {"status": "in_review", "tier": "low"}),
    "r4": ("elm", 15, 2, "Garden", "environment",
           {"immediate_action": "Closed the gate_latch"}, {}),
}


@pytest.fixture
async def world(curator: AsyncSession) -> World:
    teams = TeamRepository(curator)
    team_ids = {name: (await teams.create(name=name)).id for name in ("oak", "elm", "ash")}
    reports = ReportRepository(curator)
    ids = {}
    for label, (team, sent, occurred, place, category, texts, curation) in ROWS.items():
        report = await store_report(
            curator, team_ids[team], place=place, category=category,
            occurred_date=date(2026, 3, occurred),
            submitted_at=datetime(2026, 3, sent, 12, tzinfo=UTC),
            **{"what_happened": "Nothing of note", "how_prevented": "Looked twice",
               "immediate_action": None, "suggestions": None, **texts},
        )
        await reports.update_curation(report, **curation)
        ids[label] = report.id
    return World(ids=ids, **team_ids)


async def _search(session: AsyncSession, world: World, **filters: object) -> list[str]:
    rows, total = await ReportRepository(session).search(filters=ReportFilters(**filters))
    assert total == len(rows)
    return world.labels(rows)


async def test_no_filter_is_every_report_newest_first(curator: AsyncSession, world: World) -> None:
    assert await _search(curator, world) == ["r5", "r4", "r3", "r2", "r1"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"date_from": date(2026, 3, 5)}, ["r5", "r3", "r2"]),
        ({"date_to": date(2026, 3, 5)}, ["r4", "r2", "r1"]),
        ({"date_from": date(2026, 3, 2), "date_to": date(2026, 3, 10)}, ["r4", "r3", "r2"]),
        ({"place": " LOUNGE "}, ["r3", "r1"]),
        ({"place": "Lou"}, []),
        ({"category": "medication"}, ["r3", "r1"]),
        ({"status": "new"}, ["r5", "r4", "r1"]),
        ({"tier": "serious"}, ["r3"]),
        ({"text": "trolley"}, ["r1"]),
        ({"text": "WET FLOOR"}, ["r2"]),
        ({"text": "calm"}, ["r5"]),  # how_prevented
        ({"text": "gate"}, ["r4"]),  # immediate_action
        ({"text": "100%"}, ["r3"]),  # suggestions; % is a character, not a wildcard
        ({"text": "%"}, ["r3"]),
        ({"text": "e_l"}, ["r4"]),  # _ too
        ({"text": "minibus"}, ["r5"]),  # place
        ({"text": "nm-2026-0003"}, ["r5"]),  # reference
        ({"text": "   "}, ["r5", "r4", "r3", "r2", "r1"]),  # blank: no filter
    ],
)
async def test_each_filter_alone(
    curator: AsyncSession, world: World, filters: dict[str, object], expected: list[str]
) -> None:
    assert await _search(curator, world, **filters) == expected


async def test_team_scope(curator: AsyncSession, world: World) -> None:
    assert await _search(curator, world, team_ids=(world.oak,)) == ["r2", "r1"]
    assert await _search(curator, world, team_ids=[world.oak, world.elm]) == [
        "r4", "r3", "r2", "r1",
    ]
    assert await _search(curator, world, team_ids=None) == ["r5", "r4", "r3", "r2", "r1"]


async def test_an_empty_team_scope_sees_nothing(curator: AsyncSession, world: World) -> None:
    rows, total = await ReportRepository(curator).search(filters=ReportFilters(team_ids=()))
    assert (rows, total) == ([], 0)


async def test_filters_combine(curator: AsyncSession, world: World) -> None:
    assert await _search(
        curator, world, team_ids=(world.oak, world.elm), category="medication",
        date_from=date(2026, 3, 5),
    ) == ["r3"]
    assert await _search(curator, world, status="new", text="o", place="garden") == ["r4"]
    assert await _search(curator, world, team_ids=(world.ash,), category="falls") == []


SORTS = [
    ("-submitted_at", ["r5", "r4", "r3", "r2", "r1"]),
    ("submitted_at", ["r1", "r2", "r3", "r4", "r5"]),
    ("occurred_date", ["r1", "r4", "r2", "r3", "r5"]),
    ("-occurred_date", ["r5", "r3", "r2", "r4", "r1"]),
    ("reference", ["r3", "r1", "r5", "r2", "r4"]),
    ("category", ["r5", "r4", "r2", "r3", "r1"]),  # ties newest first
    ("status", ["r3", "r2", "r5", "r4", "r1"]),
]


@pytest.mark.parametrize(("sort", "expected"), SORTS)
async def test_sort_orders(
    curator: AsyncSession, world: World, sort: str, expected: list[str]
) -> None:
    assert await _search(curator, world, sort=sort) == expected


def test_every_sort_is_tested_and_unknown_ones_are_refused() -> None:
    assert set(REPORT_SORTS) == {sort for sort, _ in SORTS}
    with pytest.raises(ValueError, match="sort"):
        ReportFilters(sort="what_happened")


async def test_pages_and_the_total(curator: AsyncSession, world: World) -> None:
    reports = ReportRepository(curator)

    async def page(number: int, **filters: object) -> tuple[list[str], int]:
        rows, total = await reports.search(
            filters=ReportFilters(**filters), page=number, per_page=2
        )
        return world.labels(rows), total

    assert await page(1) == (["r5", "r4"], 5)
    assert await page(2) == (["r3", "r2"], 5)
    assert await page(3) == (["r1"], 5)
    assert await page(4) == ([], 5)
    assert await page(0) == (["r5", "r4"], 5)
    assert await page(1, status="new") == (["r5", "r4"], 3)
    assert await page(2, team_ids=(world.oak,)) == ([], 2)


async def test_get_by_id(curator: AsyncSession, world: World) -> None:
    report = await ReportRepository(curator).get_by_id(report_id=world.ids["r2"])
    assert report is not None and report.category == "falls"
    assert await ReportRepository(curator).get_by_id(report_id=999) is None


@sqlite_only("the FTS5 index folds accents and matches word beginnings; PostgreSQL uses ILIKE")
async def test_full_text_search_reads_words_in_any_case_and_accent(
        curator: AsyncSession, world: World) -> None:
    from datetime import UTC, datetime

    from storage.schemas import ReportCreate

    report = await ReportRepository(curator).create(data=ReportCreate(
        confidentiality="anonymous", draft_key="fts", team_id=world.oak, language="cy",
        occurred_date=date(2026, 3, 6), occurred_time=None, time_of_day="night",
        place="Ystafell fwyta", place_id=None, category="other",
        what_happened="Mrs MÜLLER nearly got the tablets for Siân; sent to A&E <3",
        how_prevented="Checked", immediate_action=None, told=("nobody",), suggestions=None,
        submitted_at=datetime(2026, 3, 6, tzinfo=UTC)))
    await curator.flush()
    for needle in ("müller", "MULLER", "tablet", "sian", "ystafell", "A&E", "<3",
                   "tablets sian"):
        rows, _ = await ReportRepository(curator).search(filters=ReportFilters(text=needle))
        assert report.id in [row.id for row in rows], needle
    for needle in ("ablets", "sian trolley"):  # words from their start, every word present
        rows, _ = await ReportRepository(curator).search(filters=ReportFilters(text=needle))
        assert report.id not in [row.id for row in rows], needle


@postgres_only
async def test_postgresql_search_finds_substrings_in_any_case_with_symbols_literal(
        curator: AsyncSession, world: World) -> None:
    from storage.schemas import ReportCreate

    report = await ReportRepository(curator).create(data=ReportCreate(
        confidentiality="anonymous", draft_key="ilike", team_id=world.oak, language="cy",
        occurred_date=date(2026, 3, 6), occurred_time=None, time_of_day="night",
        place="Ystafell fwyta", place_id=None, category="other",
        what_happened="Mrs MÜLLER nearly got the tablets for Siân; sent to A&E <3, 100%",
        how_prevented="Checked", immediate_action=None, told=("nobody",), suggestions=None,
        submitted_at=datetime(2026, 3, 6, tzinfo=UTC)))
    await curator.flush()
    for needle in ("müller", "TABLET", "ablets", "ystafell", "A&E", "<3", "100%"):
        rows, _ = await ReportRepository(curator).search(filters=ReportFilters(text=needle))
        assert report.id in [row.id for row in rows], needle
    for needle in ("1_0%", "tablets sian"):  # % and _ are literal; one substring, not words
        rows, _ = await ReportRepository(curator).search(filters=ReportFilters(text=needle))
        assert report.id not in [row.id for row in rows], needle


@pytest.mark.parametrize("words", [True, False])
async def test_an_imported_report_is_found_by_its_exact_external_id(
        curator: AsyncSession, world: World, words: bool) -> None:
    oak = world.oak
    imported = await store_report(curator, oak, external_id="DATIX/2019-0042",
                                  what_happened="Nothing of note", how_prevented="Looked twice")
    found, _ = await ReportRepository(curator).search(
        filters=ReportFilters(text=" DATIX/2019-0042 ", words=words))
    assert [report.id for report in found] == [imported.id]
    for near in ("DATIX/2019-004", "datix/2019-0042x"):
        rows, _ = await ReportRepository(curator).search(
            filters=ReportFilters(text=near, words=words))
        assert imported.id not in [report.id for report in rows]
