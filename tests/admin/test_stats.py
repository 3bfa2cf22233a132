"""Dashboard figures on a seeded database: exact counts, scoping, actions."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage import stats
from storage.db import create_engine, create_sessionmaker
from storage.models import Action, Report
from storage.repositories import TeamRepository
from storage.stats import Bucket, PlaceCount, StatsScope, TeamCount

MARCH = StatsScope(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))
TODAY = date(2026, 4, 15)
_numbers = itertools.count(1)


async def add(session: AsyncSession, team_id: int, day: date, category: str = "medication",
              place: str = "Lounge", part: str = "morning", status: str = "new") -> int:
    """Insert one report with just the fields the figures read."""
    number = next(_numbers)
    at = datetime.combine(day, datetime.min.time(), UTC)
    result = await session.execute(insert(Report).values(
        reference=f"NM-T-{number:05d}", draft_key=f"stats-{number}", team_id=team_id,
        language="en", occurred_date=day, time_of_day=part, place=place, category=category,
        what_happened="x", how_prevented="y", status=status, submitted_at=at,
    ).returning(Report.id))
    return result.scalar_one()


async def add_action(session: AsyncSession, report_id: int, status: str, *,
                     due: date | None = None, created: date = TODAY,
                     completed: date | None = None) -> None:
    at = datetime.combine(created, datetime.min.time(), UTC)
    await session.execute(insert(Action).values(
        report_id=report_id, description="Do it", owner="Lead", status=status, due_date=due,
        completed_date=completed, created_at=at, updated_at=at))


@pytest.fixture
async def teams(session: AsyncSession) -> tuple[int, int]:
    repo = TeamRepository(session)
    oak = await repo.create(name="Oak House", places=["Lounge", "Garden", "Kitchen"])
    elm = await repo.create(name="Elm Court", places=["Hall"])
    return oak.id, elm.id


@pytest.fixture
async def march(session: AsyncSession, teams: tuple[int, int]) -> tuple[int, int]:
    """Six reports in March 2026 (Sun 1st .. Tue 31st) and two just outside it."""
    oak, elm = teams
    await add(session, oak, date(2026, 2, 28))  # the day before: out
    await add(session, oak, date(2026, 3, 2), part="morning")  # Monday
    await add(session, oak, date(2026, 3, 2), part="afternoon", status="closed")
    await add(session, oak, date(2026, 3, 4), "falls", "Garden", "night", "in_review")  # Wed
    await add(session, elm, date(2026, 3, 8), "falls", "Hall", "morning")  # Sunday
    await add(session, oak, date(2026, 3, 10), place="Kitchen", part="evening",
              status="closed")  # Tuesday
    await add(session, oak, date(2026, 3, 31), status="closed")  # Tuesday, last day: in
    await add(session, oak, date(2026, 4, 1))  # the day after: out
    return teams


async def test_summary_counts_exactly(session: AsyncSession, march: tuple[int, int]) -> None:
    oak, elm = march

    s = await stats.summary(session, MARCH, today=TODAY)

    assert s.total == 6
    assert [(w.week_start, w.count) for w in s.per_week] == [
        (date(2026, 2, 23), 0), (date(2026, 3, 2), 4), (date(2026, 3, 9), 1),
        (date(2026, 3, 16), 0), (date(2026, 3, 23), 0), (date(2026, 3, 30), 1)]
    # March 2026 starts on a Sunday and ends on a Tuesday: its first and last weeks are cut.
    assert [(w.first, w.last, w.is_part) for w in (s.per_week[0], s.per_week[1],
                                                   s.per_week[-1])] == [
        (date(2026, 3, 1), date(2026, 3, 1), True), (date(2026, 3, 2), date(2026, 3, 8), False),
        (date(2026, 3, 30), date(2026, 3, 31), True)]
    assert [(b.label, b.count) for b in s.by_day_of_week] == [
        ("Monday", 2), ("Tuesday", 2), ("Wednesday", 1), ("Thursday", 0), ("Friday", 0),
        ("Saturday", 0), ("Sunday", 1)]
    assert s.by_category == [Bucket("medication", "Medication", 4),
                             Bucket("falls", "Falls and mobility", 2)]
    assert s.by_place == [PlaceCount(oak, "Oak House", "Lounge", 3),
                          PlaceCount(oak, "Oak House", "Garden", 1),
                          PlaceCount(elm, "Elm Court", "Hall", 1),
                          PlaceCount(oak, "Oak House", "Kitchen", 1)]
    assert s.by_team == [TeamCount(oak, "Oak House", 5), TeamCount(elm, "Elm Court", 1)]
    assert [(b.key, b.count) for b in s.by_time_of_day] == [
        ("morning", 3), ("afternoon", 1), ("evening", 1), ("night", 1)]
    assert [(b.key, b.count) for b in s.by_status] == [
        ("new", 2), ("in_review", 1), ("actions_agreed", 0), ("closed", 3),
        ("not_near_miss", 0)]


async def test_summary_matches_the_single_figure_queries(
    session: AsyncSession, march: tuple[int, int]
) -> None:
    for scope in (MARCH, StatsScope(), StatsScope(team_ids=(march[0],))):
        s = await stats.summary(session, scope, today=TODAY)

        assert s.by_category == await stats.by_category(session, scope)
        assert s.by_place == await stats.by_place(session, scope)
        assert s.by_team == await stats.by_team(session, scope)
        assert s.per_week == await stats.reports_per_week(session, scope)
        assert s.by_day_of_week == await stats.by_day_of_week(session, scope)
        assert s.total == sum((await stats.reports_per_day(session, scope)).values())


async def test_team_scope_counts_only_those_teams(
    session: AsyncSession, march: tuple[int, int]
) -> None:
    oak, elm = march

    elm_only = await stats.summary(session, StatsScope((elm,), MARCH.date_from, MARCH.date_to),
                                   today=TODAY)
    nobody = await stats.summary(session, StatsScope((), MARCH.date_from, MARCH.date_to),
                                 today=TODAY)
    everyone = await stats.summary(session, StatsScope(), today=TODAY)

    assert elm_only.total == 1
    assert elm_only.by_team == [TeamCount(elm, "Elm Court", 1)]
    assert elm_only.by_place == [PlaceCount(elm, "Elm Court", "Hall", 1)]
    assert nobody.total == 0 and nobody.by_team == [] and nobody.by_category == []
    assert all(w.count == 0 for w in nobody.per_week)
    assert everyone.total == 8
    assert everyone.per_week[0].week_start == date(2026, 2, 23)  # first report's week


async def test_unknown_category_is_named_by_its_key(
    session: AsyncSession, teams: tuple[int, int]
) -> None:
    await add(session, teams[0], date(2026, 3, 5), category="retired_key")

    assert await stats.by_category(session, MARCH) == [Bucket("retired_key", "retired_key", 1)]


async def test_unexpected_part_of_day_is_kept_after_the_four(
    session: AsyncSession, teams: tuple[int, int]
) -> None:
    await add(session, teams[0], date(2026, 3, 5), part="unknown")

    keys = [(b.key, b.count) for b in await stats.by_time_of_day(session, MARCH)]
    assert keys == [("morning", 0), ("afternoon", 0), ("evening", 0), ("night", 0),
                    ("unknown", 1)]


async def test_actions_completed_is_of_those_agreed_due_or_completed_in_the_period(
        session: AsyncSession, teams: tuple[int, int]) -> None:
    oak, elm = teams
    report = await add(session, oak, date(2026, 1, 10))  # its date does not matter
    elm_report = await add(session, elm, date(2026, 3, 3))
    march = {"created": date(2026, 3, 5)}
    await add_action(session, report, "done", completed=date(2026, 3, 9), **march)  # done
    await add_action(session, report, "done", completed=date(2026, 4, 2), **march)  # too late
    await add_action(session, report, "not_doing", **march)  # never counted
    await add_action(session, report, "open", due=date(2026, 3, 20),
                     created=date(2026, 2, 1))  # due in March: counted, overdue
    await add_action(session, report, "done", due=date(2026, 1, 31), created=date(2026, 1, 2),
                     completed=date(2026, 3, 3))  # completed in March, late: counted, done
    await add_action(session, report, "open", created=date(2026, 1, 2))  # not in March
    await add_action(session, report, "open", due=TODAY, **march)  # due today: not overdue
    await add_action(session, elm_report, "done", completed=date(2026, 3, 6), **march)

    oak_march = StatsScope((oak,), MARCH.date_from, MARCH.date_to)
    result = await stats.action_stats(session, oak_march, today=TODAY)

    assert (result.done, result.counted) == (2, 5)
    assert result.rate == pytest.approx(0.4)
    assert result.overdue == 1  # today's to-do list, whatever the period
    everyone = await stats.action_stats(session, StatsScope(), today=TODAY)
    assert (everyone.done, everyone.counted, everyone.overdue) == (4, 7, 1)
    assert (await stats.action_stats(session, StatsScope(()), today=TODAY)).rate is None


def test_previous_period_has_equal_length() -> None:
    assert MARCH.previous() == StatsScope(None, date(2026, 1, 29), date(2026, 2, 28))
    with pytest.raises(ValueError):
        StatsScope().previous()


async def test_bench_seed_fills_a_database_the_figures_can_read(database_url: str) -> None:
    from bench.seed import seed

    seeded = await seed(database_url, reports=500, teams=3, last_date=TODAY, days=60)

    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            s = await stats.summary(session, StatsScope(), today=TODAY)
    finally:
        await engine.dispose()
    assert s.total == seeded.reports == 500
    assert len(s.by_team) == 3 and s.per_week[-1].week_start <= TODAY
    assert s.actions.counted > 0
