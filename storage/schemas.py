"""Plain data passed into storage, free of Telegram and of the ORM."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from storage.vocab import REPORT_SORTS


@dataclass(frozen=True)
class ReportCreate:
    """Everything needed to store a submitted report."""

    draft_key: str
    reporter_id: int | None
    team_id: int
    language: str
    occurred_date: date
    occurred_time: time | None
    time_of_day: str
    place: str
    place_id: int | None
    category: str
    what_happened: str
    how_prevented: str
    immediate_action: str | None
    told: tuple[str, ...]
    suggestions: str | None
    submitted_at: datetime

    def __post_init__(self) -> None:
        # The reference year and the stored UTC time both need to know the zone.
        if self.submitted_at.tzinfo is None or self.submitted_at.utcoffset() is None:
            raise ValueError("submitted_at must be an aware datetime")


@dataclass(frozen=True)
class ReportFilters:
    """What the admin report list is narrowed to; None means "any"."""

    date_from: date | None = None  # occurred_date, inclusive
    date_to: date | None = None  # occurred_date, inclusive
    # None: every team. An empty tuple: no team at all (a scoped user with no teams).
    team_ids: tuple[int, ...] | None = None
    place: str | None = None  # exact, case-insensitive
    category: str | None = None
    status: str | None = None
    tier: str | None = None
    text: str | None = None  # case-insensitive substring of the report's texts
    sort: str = "-submitted_at"

    def __post_init__(self) -> None:
        if self.sort not in REPORT_SORTS:
            raise ValueError(f"sort must be one of {REPORT_SORTS}, not {self.sort!r}")
        # Frozen, hence object.__setattr__: normalise once so every reader sees the same.
        if self.team_ids is not None:
            object.__setattr__(self, "team_ids", tuple(self.team_ids))
        for name in ("place", "category", "status", "tier", "text"):
            value = getattr(self, name)
            object.__setattr__(self, name, value.strip() or None if value else None)
