"""A provider's history as CSV, read and checked row by row: each row a report ready to
store, or the reasons it cannot be, with its line number. No database here: teams and places
are looked up by the import command (nearmiss/import_command.py).

The file is streamed: a line longer than any real row, or a cell longer than the csv module
allows, ends the read with one clear problem rather than filling memory.
"""

from __future__ import annotations

import csv
import hashlib
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TextIO

from conversations.parsing import PERIODS, Invalid, check_not_future, period_of
from conversations.steps import STEP_BY_ID, TOLD, Context
from core.text import Msg
from nearmiss.import_vocabulary import Vocabulary, fold

REQUIRED_COLUMNS = ("team", "place", "category", "occurred_at", "what_happened",
                    "how_prevented", "immediate_action", "suggestions", "who_told")
# time_of_day: the part of the day, for a row whose occurred_at is a date alone (the bot
# asks for a time or a part of the day; a date alone says neither).
OPTIONAL_COLUMNS = ("external_id", "time_of_day")
REQUIRED_CELLS = ("team", "place", "category", "occurred_at", "what_happened", "how_prevented")
# The answer each free-text column is checked as, with the bot's own limits.
TEXT_STEPS = {"place": "place", "what_happened": "what", "how_prevented": "prevented",
              "immediate_action": "action", "suggestions": "suggestions"}
EXTERNAL_ID_LENGTH = 200  # reports.external_id
TEAM_NAME_LENGTH = 120  # teams.name
MAX_LINE_CHARS = 1_000_000  # far beyond a real row (ten cells of at most 3,000 characters)
# The earliest clock time of each part of the day: the order of rows with no time.
PERIOD_START = {"night": time(0), "morning": time(6), "afternoon": time(12),
                "evening": time(18)}


class FileProblem(ValueError):
    """Something wrong with the whole file (its encoding, its header): nothing can be read."""


@dataclass(frozen=True)
class ImportRow:
    """One checked row: a report as the file gives it, its team and place still names."""

    line: int
    team: str
    place: str
    category: str
    occurred_date: date
    occurred_time: time | None
    time_of_day: str
    what_happened: str
    how_prevented: str
    immediate_action: str | None
    suggestions: str | None
    told: tuple[str, ...]
    external_id: str | None = None

    @property
    def moment(self) -> tuple[date, time]:
        """When it happened, as far as known: the order reports are stored in."""
        return self.occurred_date, self.occurred_time or PERIOD_START[self.time_of_day]

    @property
    def draft_key(self) -> str:
        """Stable across runs: from the external id, else from the row's own content, so
        importing a file again stores nothing twice."""
        if self.external_id is not None:
            source = f"id\n{self.external_id}"
        else:
            source = "\n".join(repr(value) for value in (
                self.team.casefold(), self.place.casefold(), self.category, self.moment,
                self.what_happened, self.how_prevented, self.immediate_action,
                self.suggestions, self.told))
        return "import:" + hashlib.sha256(source.encode()).hexdigest()[:48]


@dataclass(frozen=True)
class RowError:
    """A row that cannot be imported, and why (each reason a short sentence)."""

    line: int
    reasons: tuple[str, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        return f"line {self.line}: {'; '.join(self.reasons)}"


def read(stream: TextIO, *, vocabulary: Vocabulary, now: datetime) -> Iterator[
        ImportRow | RowError]:
    """Every row of the file (after its header) checked, in file order; blank rows skipped.

    Raises FileProblem for a file that is not UTF-8 text, a bad header, or a line too long
    to be a row. `now` is the organisation's local time (aware): nothing may be later."""
    reader = csv.reader(_lines(stream), strict=True)
    columns = header(_next(reader))
    first_line: dict[str, int] = {}
    while True:
        start = reader.line_num + 1
        cells = _next(reader)
        if cells is None:
            return
        if any(cell.strip() for cell in cells):
            yield _unique(check_row(start, cells, columns, vocabulary, now), first_line)


def header(cells: list[str] | None) -> tuple[str, ...]:
    """The columns, named case-insensitively and trimmed; FileProblem if any is unknown,
    missing or given twice."""
    if cells is None:
        raise FileProblem("the file is empty; it needs a header row naming the columns: "
                          + ", ".join(REQUIRED_COLUMNS))
    columns = tuple(cell.strip().casefold() for cell in cells)
    known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    unknown = [name for name in columns if name not in known]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    twice = sorted({name for name in columns if columns.count(name) > 1})
    if unknown or missing or twice:
        problems = ([f"unknown column(s) {_listed(unknown)}"] if unknown else []) + (
            [f"missing column(s) {_listed(missing)}"] if missing else []) + (
            [f"column(s) given twice {_listed(twice)}"] if twice else [])
        raise FileProblem(f"the header row has {'; '.join(problems)}. The columns are: "
                          f"{', '.join(REQUIRED_COLUMNS)}, and optionally "
                          f"{', '.join(OPTIONAL_COLUMNS)}")
    return columns


def check_row(line: int, cells: list[str], columns: Sequence[str], vocabulary: Vocabulary,
              now: datetime) -> ImportRow | RowError:
    """One row checked: every problem it has, or the report it holds."""
    if len(cells) != len(columns):
        return RowError(line, (f"it has {len(cells)} cells but the header has "
                               f"{len(columns)} columns",))
    values = {name: cell.replace("\r\n", "\n").strip()
              for name, cell in zip(columns, cells, strict=True)}
    controls = [name for name, value in values.items() if _has_control(value)]
    if controls:
        return RowError(line, tuple(f"{name} holds a control character (such as NUL); "
                                    f"remove it" for name in controls))
    return _Row(values, vocabulary, now).checked(line)


class _Row:
    """The checks of one row's cells, collecting every problem rather than the first."""

    def __init__(self, values: dict[str, str], vocabulary: Vocabulary, now: datetime) -> None:
        self.values, self.vocabulary, self.now = values, vocabulary, now
        self.problems: list[str] = [f"{name} is empty" for name in REQUIRED_CELLS
                                    if not values[name]]

    def checked(self, line: int) -> ImportRow | RowError:
        texts = {name: self.text(name) for name in TEXT_STEPS}
        when, category, told = self.when(), self.category(), self.told()
        external_id, team = self.external_id(), self.values["team"]
        if len(team) > TEAM_NAME_LENGTH:
            self.problems.append(f"team is longer than {TEAM_NAME_LENGTH} characters")
        if self.problems or when is None or category is None:
            return RowError(line, tuple(self.problems))
        return ImportRow(
            line=line, team=team, place=texts["place"] or "", category=category,
            occurred_date=when[0], occurred_time=when[1], time_of_day=when[2],
            what_happened=texts["what_happened"] or "", how_prevented=texts["how_prevented"]
            or "", immediate_action=texts["immediate_action"], suggestions=texts["suggestions"],
            told=told, external_id=external_id)

    def text(self, name: str) -> str | None:
        """A free-text cell checked as the bot checks that answer (length, substance)."""
        value = self.values[name]
        if not value:
            return None
        step = STEP_BY_ID[TEXT_STEPS[name]]
        assert step.parse is not None
        try:
            return str(step.parse(value, {}, Context(now=self.now)))
        except Invalid as problem:
            self.problems.append(f"{name}: {english(problem.msg)}")
            return None

    def when(self) -> tuple[date, time | None, str] | None:
        """occurred_at read as ISO 8601 local time, with the part of the day."""
        value = self.values["occurred_at"]
        if not value:
            return None
        try:
            day, moment = parse_occurred_at(value, self.now)
        except ValueError:
            self.problems.append(f"occurred_at {value[:40]!r} is not an ISO 8601 date or date "
                                 f"and time (e.g. 2025-03-04 or 2025-03-04T14:30)")
            return None
        if day > self.now.date():
            self.problems.append(f"occurred_at {value!r} is in the future")
            return None
        period = period_of(moment) if moment is not None else self.period()
        if period is None:
            return None
        try:
            check_not_future(day, moment, period, now=self.now.replace(tzinfo=None))
        except Invalid:
            self.problems.append(f"occurred_at {value!r} is later than now")
            return None
        return day, moment, period

    def period(self) -> str | None:
        """The part of the day of a row dated without a time, from its time_of_day cell."""
        value = self.values.get("time_of_day", "")
        found = self.vocabulary.periods.get(fold(value))
        if found is None:
            self.problems.append(
                f"time_of_day {value[:40]!r} is not a part of the day ({', '.join(PERIODS)})"
                if value else "occurred_at has a date but no time: give the time (e.g. "
                              "2025-03-04T14:30) or a time_of_day column (morning, afternoon, "
                              "evening or night)")
        return found

    def category(self) -> str | None:
        value = self.values["category"]
        found = self.vocabulary.categories.get(fold(value))
        if found is None and value:
            codes = sorted(set(self.vocabulary.categories.values()))
            self.problems.append(f"category {value[:40]!r} is not a category's code or name "
                                 f"(codes: {', '.join(codes)})")
        return found

    def told(self) -> tuple[str, ...]:
        """who_told: codes or labels separated by semicolons."""
        parts = [part.strip() for part in self.values["who_told"].split(";") if part.strip()]
        unknown = [part for part in parts if fold(part) not in self.vocabulary.told]
        if unknown:
            codes = ", ".join(code for code, _ in TOLD)
            self.problems.append(f"who_told {_listed(unknown)} not known (codes: {codes}; "
                                 f"separate several with ;)")
            return ()
        told = tuple(dict.fromkeys(self.vocabulary.told[fold(part)] for part in parts))
        if "nobody" in told and len(told) > 1:
            self.problems.append("who_told says nobody and someone: give one or the other")
        return told

    def external_id(self) -> str | None:
        value = self.values.get("external_id", "")
        if len(value) > EXTERNAL_ID_LENGTH:
            self.problems.append(f"external_id is longer than {EXTERNAL_ID_LENGTH} characters")
        return value or None


def parse_occurred_at(value: str, now: datetime) -> tuple[date, time | None]:
    """An ISO 8601 date, or date and time (in local time; one with an offset is converted
    to `now`'s zone). ValueError if it is neither."""
    try:
        return date.fromisoformat(value), None
    except ValueError:
        pass
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(now.tzinfo)
    return moment.date(), moment.time().replace(second=0, microsecond=0, tzinfo=None)


def english(msg: Msg) -> str:
    """A flow message in its source language (British English), for the command's output."""
    return msg.msgid.format(**{key: str(value) for key, value in msg.params.items()})


def _unique(row: ImportRow | RowError, first_line: dict[str, int]) -> ImportRow | RowError:
    """A row whose external id an earlier row of the file has is an error."""
    if isinstance(row, RowError) or row.external_id is None:
        return row
    first = first_line.setdefault(row.external_id, row.line)
    if first == row.line:
        return row
    return RowError(row.line, (f"external_id {row.external_id!r} is also on line {first}",))


def _has_control(value: str) -> bool:
    return any(ch not in "\n\t" and unicodedata.category(ch) == "Cc" for ch in value)


def _listed(names: Iterable[str]) -> str:
    return ", ".join(repr(name[:40]) for name in names)


def _lines(stream: TextIO) -> Iterator[str]:
    """The file's lines, none longer than MAX_LINE_CHARS (read no further than that)."""
    number = 0
    while line := stream.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS and not line.endswith("\n"):
            raise FileProblem(f"line {number} is longer than {MAX_LINE_CHARS:,} characters, "
                              f"far beyond any report; is this the right file?")
        yield line


def _next(reader: Iterator[list[str]]) -> list[str] | None:
    """The next record, or None at the end; a file that is not UTF-8, or a cell the csv
    module cannot read, is a FileProblem."""
    try:
        return next(reader, None)
    except UnicodeDecodeError:
        raise FileProblem("the file is not UTF-8 text: in your spreadsheet, save it as "
                          "\"CSV UTF-8\" and import that file") from None
    except csv.Error as error:
        line = getattr(reader, "line_num", 0)
        raise FileProblem(f"line {line} cannot be read as CSV ({error}): a cell far too "
                          f"long, or a quote left open") from None
