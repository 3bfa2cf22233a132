"""`nearmiss reports import` with bad and hostile files: every error with its line number and
nothing stored (unless --skip-bad-rows), formulas and HTML stored as text, and an encoding, a
control character, a huge cell or a broken header answered in one clear line, no traceback."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.exports import report_row
from storage.models import Report, Team
from storage.repositories import TeamRepository
from tests.e2e.test_process import _env, _nearmiss
from tests.nearmiss.import_helpers import COLUMNS, count, row, run_import, write_csv

TOMORROW = (date.today() + timedelta(days=1)).isoformat()
HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(1+1) tablets", "-2 tablets given", "@SUM(A1:A9) pots",
           "<script>alert('x')</script> <b>bold</b> nearly fell"]


@pytest.fixture(autouse=True)
async def team_id(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker.begin() as session:
        team = await TeamRepository(session).create(name="Rosewood House",
                                                    places=["Lounge", "Kitchen", "Hall"])
        return team.id


BAD_ROWS = [  # (row, the words its error must have); the file's line is its index + 3
    (row(occurred_at="2025-02-30"), "occurred_at '2025-02-30' is not an ISO 8601 date"),
    (row(occurred_at="04/03/2025"), "occurred_at '04/03/2025' is not an ISO 8601 date"),
    (row(occurred_at=TOMORROW), "is in the future"),
    (row(what_happened=""), "what_happened is empty"),
    (row(how_prevented="  "), "how_prevented is empty"),
    (row(team="Nowhere House"), "team 'Nowhere House' not found"),
    (row(place="Attic"), "place 'Attic' is not one of 'Rosewood House''s places"),
    (row(category="Fals"), "category 'Fals' is not a category's code or name"),
    (row(who_told="manager; the cat"), "who_told 'the cat' not known"),
    (row(what_happened="x" * 3001), "the limit is 3000"),
    (row(occurred_at="2025-03-04"), "occurred_at has a date but no time"),
    (row(external_id="DUP-1", place="Kitchen"), ""),
    (row(external_id="DUP-1", place="Hall"), "external_id 'DUP-1' is also on line 14"),
]


def bad_file(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "bad.csv", [row(external_id="GOOD-1"),
                                            *(cells for cells, _ in BAD_ROWS)])


async def test_each_error_is_given_with_its_line_and_nothing_is_imported(
        tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str],
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    code, out, err = await run_import(database_url, sessionmaker, capsys, bad_file(tmp_path))
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    for index, (_, says) in enumerate(BAD_ROWS):
        if says:
            assert any(line.startswith(f"nearmiss: line {index + 3}: ") and says in line
                       for line in lines), (index + 3, says, err)
    assert len(lines) == 12 + 1  # one line per bad row, then how to go on
    assert lines[-1] == ("nearmiss: nothing was imported: 12 rows with errors; fix them and "
                         "import the file again, or add --skip-bad-rows to import the 2 good "
                         "rows alone.")
    assert await count(sessionmaker, Report) == 0 and await count(sessionmaker, Team) == 1


async def test_skip_bad_rows_stores_the_good_rows_and_lists_the_rejected(
        tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str],
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    code, out, err = await run_import(database_url, sessionmaker, capsys, bad_file(tmp_path),
                                      "--skip-bad-rows")
    assert code == 0, err
    assert "Imported: 2" in out and "Rejected: 12" in out
    assert "  line 3: occurred_at '2025-02-30' is not an ISO 8601 date" in out
    async with sessionmaker() as session:
        stored = list(await session.scalars(select(Report.external_id).order_by(Report.id)))
    assert stored == ["GOOD-1", "DUP-1"]  # the first of the two DUP-1 rows


async def test_formulas_and_html_are_stored_as_written_and_exported_neutralised(
        tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str],
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    places = ["Lounge", "Kitchen", "Hall", "Lounge", "Kitchen"]
    path = write_csv(tmp_path / "hostile.csv", [
        row(what_happened=text, suggestions=text, place=place, external_id=f"=HOST-{n}",
            occurred_at=f"2025-03-0{n + 1}T10:00", category=category)
        for n, (text, place, category) in enumerate(zip(
            HOSTILE, places, ["falls", "falls", "falls", "medication", "medication"],
            strict=True))])
    code, _, err = await run_import(database_url, sessionmaker, capsys, path)
    assert code == 0, err
    async with sessionmaker() as session:
        stored = list(await session.scalars(select(Report).order_by(Report.id)))
    assert [r.what_happened for r in stored] == HOSTILE
    assert [r.suggestions for r in stored] == HOSTILE
    assert stored[0].external_id == "=HOST-0"
    for report in stored:  # the admin's CSV export quotes what a spreadsheet would run
        cells = report_row(report, team="Rosewood House", actions=0)
        assert all(not cell.startswith(("=", "+", "-", "@")) for cell in cells)


@pytest.mark.parametrize(("content", "says"), [
    (lambda: _good_bytes().replace(b"nearly", b"nearly\xe9"),  # Latin-1 e-acute
     "bad.csv: the file is not UTF-8 text: in your spreadsheet, save it as \"CSV UTF-8\""),
    (lambda: _good_bytes(what="a" * 100_000),
     "line 2: what_happened: That's too long for one answer (100000 characters; the limit is "
     "3000)"),
    (lambda: _good_bytes(what="nearly\x00fell"),
     "line 2: what_happened holds a control character (such as NUL); remove it"),
    (lambda: _good_bytes(what="nearly\x1bfell"), "what_happened holds a control character"),
    (lambda: _good_bytes(what='"' + "a" * 200_000),
     "bad.csv: line 2 cannot be read as CSV (field larger than field limit"),
    (lambda: b"a," * 600_000 + b"\n", "bad.csv: line 1 is longer than 1,000,000 characters"),
    (lambda: b"team,place,category,when\n",
     "bad.csv: the header row has unknown column(s) 'when'; missing column(s) 'occurred_at', "
     "'what_happened'"),
    (lambda: b"", "bad.csv: the file is empty"),
])
async def test_hostile_files_get_one_clear_line(
        content: object, says: str, tmp_path: Path, database_url: str,
        capsys: pytest.CaptureFixture[str],
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content())  # type: ignore[operator]
    code, out, err = await run_import(database_url, sessionmaker, capsys, path)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) <= 2 and says in lines[0], err
    assert all(line.startswith("nearmiss: ") for line in lines)
    assert await count(sessionmaker, Report) == 0


@pytest.mark.parametrize(("content", "says"), [
    (b"team,place\n\xe9\n", "nearmiss: bad.csv: the file is not UTF-8 text"),
    (lambda: None, "nearmiss: line 2: category 'Fals' is not a category's code or name"),
])
async def test_the_command_answers_a_bad_file_in_lines_without_a_traceback(
        content: bytes | object, says: str, tmp_path: Path, database_url: str,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    path = tmp_path / "bad.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        write_csv(path, [row(category="Fals")])
    code, out, err = await _nearmiss("reports", "import", str(path),
                                     env=_env(database_url), cwd=tmp_path)
    assert code == 2 and "Traceback" not in out + err
    assert err.startswith(says) and all(line.startswith("nearmiss: ")
                                        for line in err.strip().splitlines())
    assert await count(sessionmaker, Report) == 0


async def test_a_utf8_file_with_a_bom_and_windows_line_ends_is_read(
        tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str],
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + _good_bytes(what='"Two lines:\r\nnearly fell"')
                     .replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n"))
    code, out, err = await run_import(database_url, sessionmaker, capsys, path)
    assert code == 0, err
    async with sessionmaker() as session:
        assert await session.scalar(select(Report.what_happened)) == "Two lines:\nnearly fell"


def _good_bytes(what: str = "A resident nearly fell") -> bytes:
    cells = row(what_happened="WHAT")
    line = ",".join(cells[name] for name in COLUMNS).replace("WHAT", what)
    return (",".join(COLUMNS) + "\n" + line + "\n").encode("utf-8", "surrogateescape")
