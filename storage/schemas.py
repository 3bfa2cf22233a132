"""Plain data passed into storage, free of Telegram and of the ORM."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from storage.identity import CONFIDENTIALITY, REPORT_KINDS
from storage.vocab import ACTION_LIST_STATUSES, REPORT_SORTS


@dataclass(frozen=True)
class ReporterIdentity:
    """Who reported, as Telegram tells us: stored only for named and confidential reports."""

    telegram_user_id: int
    first_name: str | None = None
    username: str | None = None

    def __repr__(self) -> str:  # never print an identity into a log by accident
        return "ReporterIdentity(...)"


@dataclass(frozen=True)
class ReporterRow:
    """A worker's membership as the bot reads it each update: their team and language (the
    `reporters` row, without its pseudonymous key)."""

    id: int
    team_id: int | None
    language: str | None
    created_at: datetime


@dataclass(frozen=True)
class TeamRow:
    """A team as the bot names it to someone joining: its id and name, read as plain columns
    (the ORM's Team loads its places too)."""

    id: int
    name: str


@dataclass(frozen=True)
class ReportCreate:
    """Everything needed to store a submitted report."""

    draft_key: str
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
    confidentiality: str = "named"
    # None for an anonymous report; required for named and confidential ones.
    identity: ReporterIdentity | None = None
    kind: str = "near_miss"
    tier: str | None = None  # "serious" for an escalated incident; otherwise set in curation
    someone_harmed: bool = False
    safeguarding_concern: bool = False
    # The record's id in the spreadsheet it was imported from (None for a filed report).
    external_id: str | None = None

    def __post_init__(self) -> None:
        if self.confidentiality not in CONFIDENTIALITY:
            raise ValueError(f"confidentiality must be one of {CONFIDENTIALITY}")
        if (self.identity is None) != (self.confidentiality == "anonymous"):
            raise ValueError("an anonymous report has no identity; the others need one")
        if self.kind not in REPORT_KINDS:
            raise ValueError(f"kind must be one of {REPORT_KINDS}")
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
    time_of_day: str | None = None  # morning, afternoon, evening or night
    text: str | None = None  # case-insensitive substring of the report's texts
    sort: str = "-submitted_at"
    # Whether text and place may be sought in the workers' own words. False (for those who may
    # not read them) searches the reference and redacted summary only, and a place filter
    # matches only a place that is one of the report's team's own places.
    words: bool = True

    def __post_init__(self) -> None:
        if self.sort not in REPORT_SORTS:
            raise ValueError(f"sort must be one of {REPORT_SORTS}, not {self.sort!r}")
        # Frozen, hence object.__setattr__: normalise once so every reader sees the same.
        if self.team_ids is not None:
            object.__setattr__(self, "team_ids", tuple(self.team_ids))
        for name in ("place", "category", "status", "tier", "text"):
            value = getattr(self, name)
            object.__setattr__(self, name, value.strip() or None if value else None)


@dataclass(frozen=True)
class ActionFilters:
    """What the tracker is narrowed to; None means "any"."""

    # None: every team. An empty tuple: no team at all (a scoped user with no teams).
    team_ids: tuple[int, ...] | None = None
    owner_user_id: int | None = None
    status: str | None = None  # one of ACTION_LIST_STATUSES
    due_from: date | None = None  # due date, inclusive
    due_to: date | None = None  # due date, inclusive

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in ACTION_LIST_STATUSES:
            raise ValueError(f"status must be one of {ACTION_LIST_STATUSES}, not {self.status!r}")


@dataclass(frozen=True)
class DigestFacts:
    """What one team's digest is made of, as stored: plain values, most first; the words are
    composed from them elsewhere (learning/digest.py). Dates are local: start inclusive, end
    exclusive."""

    team: str
    start: date
    end: date
    reports: int
    language: str
    categories: list[tuple[str, int]]  # a category's msgid or name, and its count
    places: list[tuple[str, int]]
    themes: list[tuple[str, str, int]]  # a reviewer's title or category, the place, the count
    actions: list[tuple[str, str | None]]  # what was done, and the evidence it worked
    learning: list[str]  # redacted summaries only

