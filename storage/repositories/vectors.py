"""Report vectors: saved with the model that made them, found missing or stale, and read back
as the window of recent reports the pattern pass compares.

Storage does not know the model: the pass hands in its id (learning.embedding.model_id()) as
plain data, and the vectors as bytes (storage/vectors.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialects import upsert_insert
from storage.models import Report, ReportVector
from storage.vectors import from_bytes


@dataclass(frozen=True)
class ReportText:
    """What a report's vector is made from."""

    report_id: int
    what_happened: str
    how_prevented: str
    immediate_action: str | None
    suggestions: str | None
    place: str
    category: str


@dataclass(frozen=True)
class WindowRow:
    """One stored report as the pattern pass compares it: no reporter, no words."""

    report_id: int
    day: date
    hour: int | None
    team_id: int
    place: str
    category: str
    vector: np.ndarray


_TEXT_COLUMNS = (Report.id, Report.what_happened, Report.how_prevented, Report.immediate_action,
                 Report.suggestions, Report.place, Report.category)
_STALE = or_(ReportVector.report_id.is_(None), ReportVector.model != bindparam("model"))
# Reads only the window's rows: by the index on reports.occurred_date, then each row's vector
# by its primary key.
_WINDOW = (select(Report.id, Report.occurred_date, Report.occurred_time, Report.team_id,
                  Report.place, Report.category, ReportVector.vector)
           .join(ReportVector, ReportVector.report_id == Report.id)
           .where(Report.occurred_date >= bindparam("since"),
                  Report.occurred_date <= bindparam("until"),
                  ReportVector.model == bindparam("model"))
           .order_by(Report.occurred_date, Report.id))


class VectorRepository:
    """Reads and writes report_vectors."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, *, vectors: Mapping[int, bytes], model: str) -> None:
        """Store each report's vector (replacing one another model made)."""
        if not vectors:
            return
        rows = [{"report_id": report_id, "model": model, "vector": blob}
                for report_id, blob in vectors.items()]
        insert = upsert_insert(self.session, ReportVector.__table__).values(rows)
        await self.session.execute(insert.on_conflict_do_update(
            index_elements=["report_id"],
            set_={"model": insert.excluded.model, "vector": insert.excluded.vector}))

    async def needing(self, *, model: str, report_ids: Sequence[int] | None = None,
                      after_id: int = 0, limit: int | None = None) -> list[ReportText]:
        """Reports with no vector or one another model made, oldest first: among `report_ids`,
        or every one after `after_id` (a page of `limit` when reindexing)."""
        query = (select(*_TEXT_COLUMNS)
                 .outerjoin(ReportVector, ReportVector.report_id == Report.id)
                 .where(_STALE, Report.id > after_id).order_by(Report.id).limit(limit))
        if report_ids is not None:
            query = query.where(Report.id.in_(list(report_ids)))
        rows = await self.session.execute(query, {"model": model})
        return [ReportText(*row) for row in rows]

    async def count_needing(self, *, model: str) -> int:
        """How many reports have no vector, or one another model made."""
        query = (select(func.count()).select_from(Report)
                 .outerjoin(ReportVector, ReportVector.report_id == Report.id).where(_STALE))
        return int(await self.session.scalar(query, {"model": model}) or 0)

    async def window(self, *, since: date, until: date, model: str) -> list[WindowRow]:
        """Every report whose day lies in [since, until] with a vector by `model`."""
        rows = await self.session.execute(_WINDOW, {"since": since, "until": until,
                                                    "model": model})
        return [WindowRow(report_id, day, None if at is None else at.hour, team_id, place,
                          category, from_bytes(blob))
                for report_id, day, at, team_id, place, category, blob in rows]

    async def days(self, *, report_ids: Sequence[int]) -> list[date]:
        """The days these reports happened on (the window is drawn around them)."""
        if not report_ids:
            return []
        return list(await self.session.scalars(select(Report.occurred_date)
                                               .where(Report.id.in_(list(report_ids)))))

    async def texts(self, *, report_ids: Sequence[int]) -> dict[int, ReportText]:
        """The texts of these reports (what a cluster's label is drawn from)."""
        if not report_ids:
            return {}
        rows = await self.session.execute(select(*_TEXT_COLUMNS)
                                          .where(Report.id.in_(list(report_ids))))
        return {row[0]: ReportText(*row) for row in rows}
