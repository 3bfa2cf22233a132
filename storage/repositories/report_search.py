"""The WHERE and ORDER BY of the admin report list, built from ReportFilters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_

from storage import search_index
from storage.dialects import contains_folded
from storage.models import Place, Report
from storage.schemas import ReportFilters

TEXT_COLUMNS = (
    Report.what_happened,
    Report.how_prevented,
    Report.immediate_action,
    Report.suggestions,
    Report.place,
    Report.reference,
)
# What a search may read when the workers' words are not to be searched (ReportFilters.words).
SHARED_TEXT_COLUMNS = (Report.reference, Report.redacted_summary)
# Every order ends on the primary key, so pages never overlap or skip rows.
ORDERS: dict[str, tuple[Any, ...]] = {
    "-submitted_at": (Report.submitted_at.desc(), Report.id.desc()),
    "submitted_at": (Report.submitted_at, Report.id),
    "-occurred_date": (Report.occurred_date.desc(), Report.id.desc()),
    "occurred_date": (Report.occurred_date, Report.id),
    "reference": (Report.reference, Report.id),
    "category": (Report.category, Report.submitted_at.desc(), Report.id.desc()),
    "status": (Report.status, Report.submitted_at.desc(), Report.id.desc()),
}


def filter_conditions(filters: ReportFilters, *, dialect: str) -> list[ColumnElement[bool]]:
    """Return the WHERE conditions of a search; an empty list matches every report."""
    where: list[ColumnElement[bool]] = []
    if filters.team_ids is not None:
        # An empty scope matches nothing, rather than being mistaken for "no filter".
        where.append(Report.team_id.in_(filters.team_ids) if filters.team_ids else false())
    if filters.date_from is not None:
        where.append(Report.occurred_date >= filters.date_from)
    if filters.date_to is not None:
        where.append(Report.occurred_date <= filters.date_to)
    if filters.place:
        where.append(func.lower(Report.place) == filters.place.lower())
        if not filters.words:
            where.append(_is_team_place())
    for column, value in (
        (Report.category, filters.category),
        (Report.status, filters.status),
        (Report.tier, filters.tier),
        (Report.time_of_day, filters.time_of_day),
    ):
        if value:
            where.append(column == value)
    if filters.text:
        # An imported report's id in the spreadsheet it came from, exactly: anyone may ask.
        where.append(or_(Report.external_id == filters.text,
                         _text_condition(filters.text, dialect) if filters.words
                         else _shared_text_condition(filters.text, dialect)))
    return where


def _is_team_place() -> ColumnElement[bool]:
    """The report's place is one of its team's own places (not one a worker typed)."""
    return exists().where(Place.team_id == Report.team_id, Place.name == Report.place)


def _shared_text_condition(needle: str, dialect: str) -> ColumnElement[bool]:
    """Every word of the search in the reference or the redacted summary (so "0042 NM"
    finds NM-2026-0042, as the word index does): never in the workers' words."""
    return and_(*(or_(*(contains_folded(dialect, column, word)
                        for column in SHARED_TEXT_COLUMNS))
                  for word in needle.split()))


def _text_condition(needle: str, dialect: str) -> ColumnElement[bool]:
    """Word search through the FTS index on SQLite; a substring match elsewhere or for text
    with no words in it (say "<3")."""
    query = search_index.match_query(needle) if dialect == "sqlite" else None
    if query is not None:
        return search_index.matches(query)
    return or_(*(contains_folded(dialect, column, needle) for column in TEXT_COLUMNS))


def sort_order(sort: str) -> tuple[Any, ...]:
    """Return the ORDER BY of a sort name from storage.vocab.REPORT_SORTS."""
    return ORDERS[sort]
