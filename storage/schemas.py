"""Plain data passed into storage, free of Telegram and of the ORM."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time


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
