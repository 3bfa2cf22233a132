"""Submitted reports: stored once per draft, each with its own reference."""

from __future__ import annotations

import builtins

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Report, ReportTold
from storage.references import next_reference
from storage.schemas import ReportCreate

_COPIED_FIELDS = (
    "draft_key",
    "reporter_id",
    "team_id",
    "language",
    "occurred_date",
    "occurred_time",
    "time_of_day",
    "place",
    "place_id",
    "category",
    "what_happened",
    "how_prevented",
    "immediate_action",
    "suggestions",
    "submitted_at",
)


class ReportRepository:
    """Reads and writes reports."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, *, data: ReportCreate) -> Report:
        """Store a report, or return the one already stored for the same draft."""
        existing = await self._get_by_draft_key(data.draft_key)
        if existing is not None:
            return existing
        try:
            # A savepoint, so losing a race on draft_key also returns the reference number.
            async with self.session.begin_nested():
                return await self._insert(data)
        except IntegrityError:
            existing = await self._get_by_draft_key(data.draft_key)
            if existing is None:
                raise
            return existing

    async def get(self, *, reference: str) -> Report | None:
        """Return a report by its reference (case and spaces forgiven)."""
        query = select(Report).where(Report.reference == reference.strip().upper())
        return await self.session.scalar(query)

    async def list(self, *, team_id: int | None = None, limit: int = 50) -> builtins.list[Report]:
        """Return the newest reports, of one team or of all."""
        query = select(Report).order_by(Report.submitted_at.desc(), Report.id.desc())
        if team_id is not None:
            query = query.where(Report.team_id == team_id)
        return list(await self.session.scalars(query.limit(limit)))

    async def _insert(self, data: ReportCreate) -> Report:
        """Allocate a reference and insert the report with its told rows."""
        reference = await next_reference(self.session, year=data.submitted_at.year)
        report = Report(reference=reference, **{f: getattr(data, f) for f in _COPIED_FIELDS})
        report.told = [ReportTold(party=party) for party in dict.fromkeys(data.told)]
        self.session.add(report)
        await self.session.flush()
        return report

    async def _get_by_draft_key(self, draft_key: str) -> Report | None:
        """Return the report stored for a draft, if any."""
        return await self.session.scalar(select(Report).where(Report.draft_key == draft_key))
