"""Builders shared by the storage tests: a complete report, stored the way the bot stores it."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Report
from storage.repositories import ReportRepository
from storage.schemas import ReportCreate

CURATOR = (7, "ana@example.org")
SUBMITTED = datetime(2026, 3, 14, 16, 30, tzinfo=UTC)
_draft_keys = itertools.count(1)


def a_report(team_id: int, **changes: object) -> ReportCreate:
    """A complete ReportCreate; keyword arguments replace fields."""
    data = ReportCreate(
        draft_key="draft-1",
        team_id=team_id,
        language="en",
        occurred_date=date(2026, 3, 14),
        occurred_time=time(14, 5),
        time_of_day="afternoon",
        place="Lounge",
        place_id=None,
        category="medication",
        what_happened="Two residents' pots were swapped on the trolley.",
        how_prevented="Checked the photo on the MAR chart before giving.",
        immediate_action="Separated the pots and told the nurse.",
        told=("nurse",),
        suggestions="Label the trolley slots.",
        submitted_at=SUBMITTED,
        confidentiality="anonymous",
    )
    return replace(data, **changes)  # type: ignore[arg-type]


async def store_report(session: AsyncSession, team_id: int, **changes: object) -> Report:
    """Store a report as the bot does: no actor, nothing audited."""
    changes.setdefault("draft_key", f"draft-{next(_draft_keys)}")
    return await ReportRepository(session).create(data=a_report(team_id, **changes))
