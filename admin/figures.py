"""How the admin writes its figures for managers, and where each figure leads.

Weeks read "w/c 7 Sep" in the reader's language (Babel), with a week the period cuts
marked as a part week; times are in the organisation's time zone; a chart's bar or point
links to the reports list filtered to the reports behind it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date

from admin import params
from conversations import N_
from storage.stats_results import StatsScope, WeekCount

WEEK = N_("w/c {day}")
PART_WEEK = N_("(part week)")
# What "Actions completed" means, shown beside it on the dashboard and the governance report.
COMPLETED_NOTE = N_("Of the actions agreed, due or completed in the period (leaving out those "
                    "marked not doing): those done by its end.")


def week_label(week: WeekCount, gettext: Callable[..., str], language: str) -> str:
    """"w/c 7 Sep", or "w/c 31 Aug (part week)" when the period cuts the week."""
    label = gettext(WEEK, day=format_date(week.week_start, "d MMM", locale=language))
    return f"{label} {gettext(PART_WEEK)}" if week.is_part else label


def local_time(moment: datetime | None, zone: ZoneInfo) -> str:
    """A stored UTC timestamp as the organisation's clock shows it: "2026-09-07 14:05 BST"."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


class ReportLinks:
    """Addresses of the reports list narrowed to a scope's period and team, plus a filter."""

    def __init__(self, reports_path: str, scope: StatsScope, team: str | None) -> None:
        self.path = reports_path
        self.scope = scope
        self.team = team if team and params.whole_number(team) else None

    def to(self, *, date_from: date | None = None, date_to: date | None = None,
           **filters: str | int) -> str:
        """The list filtered by `filters`, within the scope's period (or the dates given)."""
        return self._address(filters, date_from or self.scope.date_from,
                             date_to or self.scope.date_to)

    def by(self, key: str, value: str | int) -> str:
        """The list filtered by one field whose name is data (a chart's grouping), within the
        scope's period."""
        return self._address({key: value}, self.scope.date_from, self.scope.date_to)

    def _address(self, filters: Mapping[str, str | int], start: date | None,
                 end: date | None) -> str:
        query: list[tuple[str, str]] = [(key, str(value)) for key, value in filters.items()]
        if "team" not in filters and self.team is not None:
            query.append(("team", self.team))
        query += [(key, day.isoformat()) for key, day in (("date_from", start), ("date_to", end))
                  if day is not None]
        return f"{self.path}?{urlencode(query)}"

    def week(self, week: WeekCount) -> str:
        return self.to(date_from=week.first, date_to=week.last)
