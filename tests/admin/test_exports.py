"""CSV export: formula injection neutralised in every column, awkward text intact."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from admin.exports import (
    BOM,
    FORMULA_STARTS,
    HEADER,
    count_actions,
    iter_reports_csv,
    neutralise,
    reports_csv,
)
from storage.models import Action, Report, ReportTold, Team

TEXT_FIELDS = ("reference", "time_of_day", "place", "category", "status", "severity", "tier",
               "what_happened", "how_prevented", "immediate_action", "suggestions",
               "redacted_summary", "kind", "confidentiality")


def a_report(report_id: int = 1, **fields: object) -> Report:
    values: dict[str, object] = dict(
        id=report_id, reference=f"NM-2026-{report_id:04d}", team_id=1,
        occurred_date=date(2026, 3, 14), occurred_time=time(14, 5), time_of_day="afternoon",
        place="Lounge", category="medication", status="closed", severity="low", tier="low",
        what_happened="Pots swapped on the trolley.", how_prevented="Checked the MAR chart.",
        immediate_action="Told the nurse.", suggestions="Label the slots.",
        redacted_summary="Two people's medicines were nearly swapped.",
        kind="near_miss", confidentiality="confidential",
        submitted_at=datetime(2026, 3, 14, 18, 30, tzinfo=UTC),
    )
    values.update(fields)
    report = Report(**values)
    report.told = [ReportTold(party="manager"), ReportTold(party="nurse")]
    return report


def read(text: str) -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))


@pytest.mark.parametrize("prefix", FORMULA_STARTS)
def test_every_dangerous_prefix_is_neutralised_in_every_column(prefix: str) -> None:
    payload = prefix + "HYPERLINK(\"http://evil.example\",\"x\")"
    report = a_report(**{field: payload for field in TEXT_FIELDS})
    report.told = [ReportTold(party=payload)]

    header, row = read(reports_csv([report], team_names={1: payload}))

    assert header == list(HEADER)
    text_cells = [cell for cell in row if cell not in ("2026-03-14 18:30", "2026-03-14",
                                                       "14:05", "0")]
    assert len(text_cells) == len(TEXT_FIELDS) + 2  # plus team and who was told
    for cell in row:
        assert not cell.startswith(FORMULA_STARTS), cell
    assert all(cell == "'" + payload for cell in text_cells)


def test_harmless_text_is_left_alone() -> None:
    for value in ("Lounge", "3 tablets", "'quoted already", " =not first", "", None, 12):
        assert neutralise(value) == ("" if value is None else str(value))


def test_newlines_quotes_and_commas_survive_a_round_trip() -> None:
    awkward = 'Line one,\nline two with "quotes"\r\nand a, comma; ☂ Ünïcödé'
    report = a_report(what_happened=awkward, suggestions='He said "=1+1", then left')

    header, row = read(reports_csv([report], team_names={1: "Oak, \"House\""}))

    cells = dict(zip(header, row, strict=True))
    assert cells["What nearly happened"] == awkward
    assert cells["Suggestions"] == 'He said "=1+1", then left'
    assert cells["Team"] == 'Oak, "House"'
    assert cells["Who was told"] == "manager; nurse"
    assert cells["Occurred time"] == "14:05"


def test_columns_hold_the_report_and_no_reporter_identity() -> None:
    report = a_report(occurred_time=None, severity=None)

    header, row = read(reports_csv([report], team_names={1: "Oak House"}, action_counts={1: 2}))

    cells = dict(zip(header, row, strict=True))
    assert cells["Reference"] == "NM-2026-0001"
    assert cells["Occurred time"] == "" and cells["Severity"] == ""
    assert cells["Actions"] == "2"
    assert cells["Kind"] == "near_miss" and cells["Confidentiality"] == "confidential"
    assert not any("reporter" in name.lower() or "telegram" in name.lower() for name in header)
    assert "99" not in row


def test_streaming_yields_the_same_text_in_pieces() -> None:
    reports = [a_report(i) for i in range(1, 1201)]

    pieces = list(iter_reports_csv(reports, team_names={1: "Oak"}))

    assert len(pieces) > 2
    assert "".join(pieces) == reports_csv(reports, team_names={1: "Oak"})
    assert len(read("".join(pieces))) == 1201


async def test_count_actions_counts_per_report(session: AsyncSession) -> None:
    session.info["actor"] = (None, "test-setup")  # actions are audited
    session.add(Team(id=1, name="Oak", code="OAK12345"))
    report = a_report(1, draft_key="d1", language="en")
    report.told = []
    session.add(report)
    await session.flush()
    session.add_all([Action(report_id=1, description=f"Do {i}", owner="Lead") for i in range(3)])
    await session.flush()

    assert await count_actions(session, [1, 2]) == {1: 3}
