"""Dashboard figures, each from one GROUP BY query over the reports in a scope.

Only grouped rows leave the database. Weeks and weekdays are worked out in Python from
per-day counts: date functions differ between SQLite and PostgreSQL, while GROUP BY on a
DATE column means the same on both. summary() runs one grid query
(category, place, team, day) and derives most figures from it, because on SQLite a query
that filters by date but not by team reads the whole table: two scans instead of seven
keep the dashboard fast on 100,000 reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Category, Report, Team
from storage.stats_actions import action_stats
from storage.stats_results import (
    Bucket,
    PlaceCount,
    StatsScope,
    Summary,
    TeamCount,
    WeekCount,
)
from storage.vocab import REPORT_STATUSES

# Not in storage.vocab yet; the report flow (conversations.parsing.PERIODS) uses these.
PARTS_OF_DAY = ("morning", "afternoon", "evening", "night")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_R = Report.__table__.c  # Core columns: grouped rows skip the ORM's per-row loading
Grid = list[Any]  # rows of (category, place, team_id, day, reports), in that order


def scope_filter(scope: StatsScope, *, dates: bool = True) -> list[ColumnElement[bool]]:
    """Return the WHERE clauses on reports that select a scope."""
    clauses: list[ColumnElement[bool]] = []
    if scope.team_ids is not None:
        clauses.append(_R.team_id.in_(scope.team_ids))
    if dates and scope.date_from is not None:
        clauses.append(_R.occurred_date >= scope.date_from)
    if dates and scope.date_to is not None:
        clauses.append(_R.occurred_date <= scope.date_to)
    return clauses


def _key(column: Any) -> Any:
    """A text column as a GROUP BY key that SQLite will not read through its own index.

    Without statistics SQLite walks a single-column index (ix_reports_category) to skip
    sorting a dozen groups, then fetches each report's row for the date filter: a random
    read per report, far slower than one sequential scan. `x || ''` is the same
    value on SQLite and PostgreSQL, but no index matches it. The '' is a literal, not a
    bound parameter, so PostgreSQL sees the SELECT and GROUP BY expressions as one.
    """
    return column.concat(literal_column("''")).label(column.name)


async def _grouped(session: AsyncSession, scope: StatsScope, *keys: Any) -> list[Any]:
    query = select(*keys, func.count()).where(*scope_filter(scope)).group_by(*keys)
    return list((await session.execute(query)).all())


async def _names(session: AsyncSession) -> tuple[dict[str, str], dict[int, str]]:
    """Return category key -> name and team id -> name; both tables are small."""
    categories = dict((await session.execute(select(Category.key, Category.name))).tuples().all())
    teams = dict((await session.execute(select(Team.id, Team.name))).tuples().all())
    return categories, teams


async def report_grid(session: AsyncSession, scope: StatsScope) -> Grid:
    """Return reports per (category, place, team, day), sorted by those keys."""
    keys = (_key(_R.category), _key(_R.place), _R.team_id, _R.occurred_date)
    # SQLite's GROUP BY leaves the rows in key order, so the ORDER BY costs nothing there.
    query = select(*keys, func.count()).where(*scope_filter(scope)).group_by(*keys)
    return list((await session.execute(query.order_by(*keys))).all())


def _sums(rows: list[Any], key: Callable[[Any], Any], count: int = 4) -> dict[Any, int]:
    """Add up grouped rows' counts (at index `count`) by a coarser key."""
    totals: dict[Any, int] = defaultdict(int)
    for row in rows:
        totals[key(row)] += row[count]
    return totals


def weeks_from_days(daily: dict[date, int], scope: StatsScope) -> list[WeekCount]:
    """Bucket day counts into weeks from Monday, keeping empty weeks so a trend line is honest.

    The first and last weeks carry the days the period's bounds leave them (part weeks).
    """
    first = scope.date_from or min(daily, default=None)
    last = scope.date_to or max(daily, default=None)
    if first is None or last is None or first > last:
        return []
    monday = first - timedelta(days=first.weekday())
    weeks = {monday + timedelta(weeks=i): 0 for i in range((last - monday).days // 7 + 1)}
    for day, count in daily.items():
        weeks[day - timedelta(days=day.weekday())] += count
    return [WeekCount(start, count, _clip(start, scope.date_from, max),
                      _clip(start + timedelta(days=6), scope.date_to, min))
            for start, count in weeks.items()]


def _clip(day: date, bound: date | None, pick: Callable[[date, date], date]) -> date:
    """A week's end day, cut to the period's bound when there is one."""
    return day if bound is None else pick(day, bound)


def weekdays_from_days(daily: dict[date, int]) -> list[Bucket]:
    """Sum day counts by weekday, Monday first."""
    totals = [0] * 7
    for day, count in daily.items():
        totals[day.weekday()] += count
    return [Bucket(name.lower(), name, n) for name, n in zip(WEEKDAYS, totals, strict=True)]


def _in_order(counts: dict[str, int], order: tuple[str, ...]) -> list[Bucket]:
    """Known keys in their order (zeros kept), then any unexpected ones, so none is lost."""
    keys = list(order) + sorted(k for k in counts if k not in order)
    return [Bucket(k, k.replace("_", " ").capitalize(), counts.get(k, 0)) for k in keys]


def _categories(counts: dict[str, int], names: dict[str, str]) -> list[Bucket]:
    buckets = [Bucket(key, names.get(key, key), n) for key, n in counts.items()]
    return sorted(buckets, key=lambda b: (-b.count, b.label))


def rank_places(counts: dict[tuple[str, int], int], teams: dict[int, str]) -> list[PlaceCount]:
    """Reports per (place, team id) as PlaceCounts, most first."""
    places = [PlaceCount(t, teams.get(t, ""), p, n) for (p, t), n in counts.items()]
    return sorted(places, key=lambda p: (-p.count, p.place, p.team))


def _teams(counts: dict[int, int], teams: dict[int, str]) -> list[TeamCount]:
    return sorted((TeamCount(t, teams.get(t, ""), n) for t, n in counts.items()),
                  key=lambda t: (-t.count, t.name))


async def reports_per_day(session: AsyncSession, scope: StatsScope) -> dict[date, int]:
    """Return the number of reports on each day that has any."""
    # The bare date column: ix_reports_team_id_occurred_date covers this query.
    return dict(await _grouped(session, scope, _R.occurred_date))


async def reports_per_week(session: AsyncSession, scope: StatsScope) -> list[WeekCount]:
    """Return reports per ISO week across the scope."""
    return weeks_from_days(await reports_per_day(session, scope), scope)


async def by_day_of_week(session: AsyncSession, scope: StatsScope) -> list[Bucket]:
    """Return reports per weekday, Monday to Sunday."""
    return weekdays_from_days(await reports_per_day(session, scope))


async def by_time_of_day(session: AsyncSession, scope: StatsScope) -> list[Bucket]:
    """Return reports per part of the day, morning to night."""
    return _in_order(dict(await _grouped(session, scope, _key(_R.time_of_day))), PARTS_OF_DAY)


async def by_status(session: AsyncSession, scope: StatsScope) -> list[Bucket]:
    """Return reports per status in workflow order."""
    return _in_order(dict(await _grouped(session, scope, _key(_R.status))), REPORT_STATUSES)


async def by_category(session: AsyncSession, scope: StatsScope) -> list[Bucket]:
    """Return reports per category, most first, named from the categories table."""
    counts = dict(await _grouped(session, scope, _key(_R.category)))
    return _categories(counts, (await _names(session))[0])


async def by_place(session: AsyncSession, scope: StatsScope) -> list[PlaceCount]:
    """Return reports per place (a place belongs to one team), most first."""
    rows = await _grouped(session, scope, _key(_R.place), _R.team_id)
    return rank_places({(p, t): n for p, t, n in rows}, (await _names(session))[1])


async def by_team(session: AsyncSession, scope: StatsScope) -> list[TeamCount]:
    """Return reports per team, most first."""
    counts = dict(await _grouped(session, scope, _R.team_id))
    return _teams(counts, (await _names(session))[1])


async def summary(session: AsyncSession, scope: StatsScope, *, today: date) -> Summary:
    """Return every dashboard figure for a scope from three queries (see the module doc)."""
    grid = await report_grid(session, scope)
    categories, teams = await _names(session)
    daily = _sums(grid, itemgetter(3))
    # Parts of the day by status: at most 20 rows, and one table scan instead of two.
    crossed = await _grouped(session, scope, _key(_R.time_of_day), _key(_R.status))
    return Summary(
        scope=scope,
        total=sum(daily.values()),
        per_week=weeks_from_days(daily, scope),
        by_category=_categories(_sums(grid, itemgetter(0)), categories),
        by_place=rank_places(_sums(grid, itemgetter(1, 2)), teams),
        by_team=_teams(_sums(grid, itemgetter(2)), teams),
        by_time_of_day=_in_order(_sums(crossed, itemgetter(0), count=2), PARTS_OF_DAY),
        by_day_of_week=weekdays_from_days(daily),
        by_status=_in_order(_sums(crossed, itemgetter(1), count=2), REPORT_STATUSES),
        actions=await action_stats(session, scope, today=today),
    )
