"""CSV export of the filtered report list, safe to open in Excel or LibreOffice.

Scope is the caller's job: pass only reports the user may see. The export never carries
who reported (no reporter, Telegram id or name columns; only whether the report was named,
confidential or anonymous), but the free-text answers are the worker's own words and may
still name people; treat the file as confidential.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Action, Report
from storage.repositories.alert_views import AlertView

HEADER = (
    "Reference", "Submitted (UTC)", "Occurred date", "Occurred time", "Time of day", "Team",
    "Place", "Category", "Status", "Severity", "Tier", "What nearly happened",
    "How it was prevented", "Immediate action", "Who was told", "Suggestions",
    "Redacted summary", "Actions", "Kind", "Confidentiality",
)
# A spreadsheet runs a cell starting with these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # without it Excel reads UTF-8 as ANSI and mangles accents and apostrophes
_CHUNK = 500  # rows per yielded piece when streaming
_ID_BATCH = 5_000  # below SQLite's bound-parameter limit


def neutralise(value: Any) -> str:
    """Return a cell as text, with a quote in front if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def report_row(report: Report, *, team: str, actions: int) -> list[str]:
    """The export's cells for one report, already neutralised."""
    cells = (
        report.reference, report.submitted_at.strftime("%Y-%m-%d %H:%M"),
        report.occurred_date.isoformat(),
        report.occurred_time.strftime("%H:%M") if report.occurred_time else "",
        report.time_of_day, team, report.place, report.category, report.status,
        report.severity, report.tier, report.what_happened, report.how_prevented,
        report.immediate_action, "; ".join(report.told_parties), report.suggestions,
        report.redacted_summary, actions, report.kind, report.confidentiality,
    )
    return [neutralise(cell) for cell in cells]


def iter_reports_csv(
    rows: Iterable[Report], *, team_names: Mapping[int, str],
    action_counts: Mapping[int, int] | None = None, bom: bool = True,
) -> Iterator[str]:
    """Yield the CSV in pieces, for a StreamingResponse over a large export."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # quotes cells holding commas, quotes or newlines
    buffer.write(BOM if bom else "")
    writer.writerow(HEADER)
    for count, report in enumerate(rows, start=1):
        actions = (action_counts or {}).get(report.id, 0)
        writer.writerow(report_row(report, team=team_names.get(report.team_id, ""),
                                   actions=actions))
        if count % _CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def reports_csv(
    rows: Iterable[Report], *, team_names: Mapping[int, str],
    action_counts: Mapping[int, int] | None = None, bom: bool = True,
) -> str:
    """Return the whole CSV as one string; see iter_reports_csv for big exports."""
    return "".join(iter_reports_csv(rows, team_names=team_names,
                                    action_counts=action_counts, bom=bom))


async def count_actions(session: AsyncSession, report_ids: Sequence[int]) -> dict[int, int]:
    """Return how many actions each report has (reports without any are left out)."""
    counts: dict[int, int] = {}
    for start in range(0, len(report_ids), _ID_BATCH):
        batch = report_ids[start:start + _ID_BATCH]
        query = (select(Action.report_id, func.count()).where(Action.report_id.in_(batch))
                 .group_by(Action.report_id))
        counts.update((await session.execute(query)).tuples().all())
    return counts


ALERT_HEADER = ("Id", "Scope", "Team", "Place", "Hour", "First date", "Last date", "Count",
                "Member references", "Member external ids", "Label", "Title")


def alert_record(view: AlertView, *, team_names: Mapping[int, str]) -> dict[str, Any]:
    """One alert as plain data: what `nearmiss alerts list` prints and the CSV's row holds."""
    alert = view.alert
    return {"id": alert.id, "scope": alert.scope,
            "team": team_names.get(alert.team_id, "") if alert.team_id is not None else "",
            "place": alert.place, "hour": alert.hour,
            "first_date": alert.first_date.date().isoformat(),
            "last_date": alert.last_date.date().isoformat(), "count": alert.report_count,
            "reports": [{"reference": m.reference, "external_id": m.external_id}
                        for m in view.members],
            "label": alert.label, "title": alert.title}


def alerts_csv(views: Iterable[AlertView], *, team_names: Mapping[int, str]) -> str:
    """The alerts as CSV, the columns of `nearmiss alerts list`; members as the reader may
    see them (the caller scoped `views`), each cell neutralised."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow(ALERT_HEADER)
    for view in views:
        row = alert_record(view, team_names=team_names)
        members = row["reports"]
        cells = (row["id"], row["scope"], row["team"], row["place"], row["hour"],
                 row["first_date"], row["last_date"], row["count"],
                 "; ".join(m["reference"] for m in members),
                 "; ".join(m["external_id"] for m in members if m["external_id"]),
                 row["label"], row["title"])
        writer.writerow([neutralise(cell) for cell in cells])
    return buffer.getvalue()
