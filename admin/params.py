"""Reading the admin's path and query parameters: one way for every page, never a 500.

str.isdigit() accepts "²", int() accepts "١٢" and both accept an id of 10**30, which then
overflows the database driver; dates from year 1 overflow when a period is shifted back.
Every page reads its parameters through these functions instead: a malformed value is
answered 400 with a translated message saying what to change, and a record id that cannot
exist is answered 404, exactly like a record that does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from conversations import N_

INT_MAX = 2**31 - 1  # the ids' INTEGER columns on PostgreSQL (SQLite's are wider)
BIGINT_MAX = 2**63 - 1
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
TEXT_LIMIT = 200  # characters of a search or filter text that are used

PAGE = N_("The page number must be a whole number from 1 to {maximum}.")
TEAM = N_("Choose a team from the list.")
DATE = N_("Dates must be real dates from {earliest} to {latest}, written YYYY-MM-DD.")
PERIOD = N_("The start date must be on or before the end date.")
TEXT = N_("Search and filter texts cannot contain control characters.")
CHOICE = N_("Choose a value from the list.")


class BadParameter(HTTPException):
    """400 with a msgid, translated (and filled in with `params`) when the answer is shown."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(status_code=400, detail=msgid)
        self.params = params


def whole_number(value: Any, *, maximum: int = INT_MAX) -> int | None:
    """ASCII digits making a number from 0 to `maximum`; None for anything else."""
    text = str(value).strip() if value is not None else ""
    if not text.isascii() or not text.isdigit() or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


def record_id(request: Request, name: str, *, maximum: int = INT_MAX) -> int:
    """The id in the path; 404 when it cannot name a record (as for one that does not exist)."""
    number = whole_number(request.path_params.get(name), maximum=maximum)
    if number is None or number < 1:
        raise HTTPException(status_code=404)
    return number


def page_number(query: Mapping[str, str], name: str = "page") -> int:
    """A 1-based page number; 1 when absent, 400 when not a whole number in range."""
    value = query.get(name)
    if value is None or not value.strip():
        return 1
    number = whole_number(value)
    if number is None or number < 1:
        raise BadParameter(PAGE, maximum=INT_MAX)
    return number


def query_date(query: Mapping[str, str], name: str) -> date | None:
    """An ISO date from EARLIEST to LATEST; None when absent, 400 when anything else."""
    value = (query.get(name) or "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value) if value.isascii() and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None or not EARLIEST <= day <= LATEST:
        raise BadParameter(DATE, earliest=EARLIEST.isoformat(), latest=LATEST.isoformat())
    return day


def ordered(date_from: date | None, date_to: date | None) -> tuple[date | None, date | None]:
    """The period as given; 400 when it ends before it starts."""
    if date_from is not None and date_to is not None and date_from > date_to:
        raise BadParameter(PERIOD)
    return date_from, date_to


def team_scope(query: Mapping[str, str],
               scope: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """The teams a page covers: the chosen `team`, narrowed to the user's own `scope`.

    A well-formed team outside the scope selects no team at all, so a forged id reveals
    nothing, not even whether that team exists; a malformed one is answered 400.
    """
    value = query.get("team")
    if value is None or not value.strip():
        return scope
    team = whole_number(value)
    if team is None or team < 1:
        raise BadParameter(TEAM)
    return (team,) if scope is None or team in scope else ()


def choice(query: Mapping[str, str], name: str, allowed: tuple[str, ...], *,
           message: str = CHOICE) -> str | None:
    """One of `allowed`; None when absent or empty, 400 with `message` for anything else."""
    value = query.get(name)
    if not value:
        return None
    if value not in allowed:
        raise BadParameter(message)
    return value


def text(query: Mapping[str, str], name: str, *, limit: int = TEXT_LIMIT) -> str | None:
    """A free text, trimmed and cut to `limit`; None when empty, 400 as searchable() says."""
    return searchable((query.get(name) or "").strip()[:limit]) or None


def searchable(value: str) -> str:
    """The text as given; 400 when it holds a NUL, which PostgreSQL refuses in any text."""
    if "\x00" in value:
        raise BadParameter(TEXT)
    return value
