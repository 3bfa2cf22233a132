"""What the dashboard statistics return: plain frozen dataclasses, no queries."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta


@dataclass(frozen=True)
class StatsScope:
    """Which reports count: team_ids None = all teams, () = none; dates on occurred_date."""

    team_ids: tuple[int, ...] | None = None
    date_from: date | None = None  # inclusive
    date_to: date | None = None  # inclusive

    def previous(self) -> StatsScope:
        """Return the period of equal length that ends the day before this one starts."""
        if self.date_from is None or self.date_to is None:
            raise ValueError("a previous period needs both date_from and date_to")
        length = self.date_to - self.date_from + timedelta(days=1)
        return replace(self, date_from=self.date_from - length,
                       date_to=self.date_from - timedelta(days=1))


@dataclass(frozen=True)
class Bucket:
    """One bar: the stored key, how it reads, and how many reports."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class WeekCount:
    """Reports in the week starting on a Monday, counted over its days within the period."""

    week_start: date
    count: int
    first: date  # the week's first day in the period: week_start unless the period cuts it
    last: date  # its last day in the period: the Sunday unless the period cuts it

    @property
    def is_part(self) -> bool:
        """The period's bounds cut this week: fewer than seven days of it are counted."""
        return (self.last - self.first).days < 6


@dataclass(frozen=True)
class PlaceCount:
    """Reports at one place; places belong to a team, so the team comes along."""

    team_id: int
    team: str
    place: str
    count: int


@dataclass(frozen=True)
class TeamCount:
    team_id: int
    name: str
    count: int


@dataclass(frozen=True)
class ActionStats:
    """Actions on the scope's teams: see storage.stats_actions for done/counted.

    rate is None when no action counts.
    """

    done: int  # completed: done by the end of the period
    counted: int  # agreed, due or completed in the period, except "not doing"
    overdue: int  # open and past due today, whenever agreed

    @property
    def rate(self) -> float | None:
        return self.done / self.counted if self.counted else None


@dataclass(frozen=True)
class Summary:
    """Everything the dashboard shows for one scope."""

    scope: StatsScope
    total: int
    per_week: list[WeekCount]
    by_category: list[Bucket]
    by_place: list[PlaceCount]
    by_team: list[TeamCount]
    by_time_of_day: list[Bucket]
    by_day_of_week: list[Bucket]
    by_status: list[Bucket]
    actions: ActionStats
