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
from sqlalchemy import String, bindparam, func, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialects import upsert_insert
from storage.models import Report, ReportVector
from storage.models.base import utcnow
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
    made_at: object  # when the vector was written, as stored: compared, never read as a time


_TEXT_COLUMNS = (Report.id, Report.what_happened, Report.how_prevented, Report.immediate_action,
                 Report.suggestions, Report.place, Report.category)
_STALE = or_(ReportVector.report_id.is_(None), ReportVector.model != bindparam("model"))
ROWS_AT_ONCE = 5000  # ids in one IN (...): under SQLite's and asyncpg's limits on parameters
_IN_WINDOW = (Report.occurred_date >= bindparam("since"),
              Report.occurred_date <= bindparam("until"), ReportVector.model == bindparam("model"))
# When a vector was made, as the database returns it: only ever compared for equality, so it is
# not turned into a datetime (on SQLite that parse is most of reading a window's keys).
_MADE_AT = type_coerce(ReportVector.made_at, String)
# Both read by the index on reports.occurred_date, then each row's vector by its primary key;
# the keys leave the vectors' bytes unread.
_WINDOW_KEYS = (select(Report.id, _MADE_AT)
                .join(ReportVector, ReportVector.report_id == Report.id)
                .where(*_IN_WINDOW).order_by(Report.occurred_date, Report.id))
_WINDOW_ROWS = (select(Report.id, Report.occurred_date, Report.occurred_time, Report.team_id,
                       Report.place, Report.category, ReportVector.vector, _MADE_AT)
                .join(ReportVector, ReportVector.report_id == Report.id)
                .where(ReportVector.model == bindparam("model"),
                       Report.id.in_(bindparam("ids", expanding=True))))


class VectorRepository:
    """Reads and writes report_vectors."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, *, vectors: Mapping[int, bytes], model: str) -> None:
        """Store each report's vector (replacing one another model made)."""
        if not vectors:
            return
        now = utcnow()
        rows = [{"report_id": report_id, "model": model, "vector": blob, "made_at": now}
                for report_id, blob in vectors.items()]
        insert = upsert_insert(self.session, ReportVector.__table__).values(rows)
        await self.session.execute(insert.on_conflict_do_update(
            index_elements=["report_id"],
            set_={"model": insert.excluded.model, "vector": insert.excluded.vector,
                  "made_at": insert.excluded.made_at}))

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

    async def window_keys(self, *, since: date, until: date,
                          model: str) -> list[tuple[int, object]]:
        """Each report whose day lies in [since, until] with a vector by `model`, as (report
        id, when its vector was made, as stored), by day then id: what the window holds,
        without reading the vectors. (Core rows, not the ORM's: thousands of them a pass.)"""
        connection = await self.session.connection()
        rows = await connection.execute(_WINDOW_KEYS, {"since": since, "until": until,
                                                       "model": model})
        return [(report_id, made_at) for report_id, made_at in rows.tuples()]

    async def window_rows(self, *, report_ids: Sequence[int], model: str) -> list[WindowRow]:
        """These reports as the pass compares them, those with a vector by `model` (any
        order)."""
        found: list[WindowRow] = []
        ids = list(report_ids)
        connection = await self.session.connection()
        for start in range(0, len(ids), ROWS_AT_ONCE):
            rows = await connection.execute(
                _WINDOW_ROWS, {"model": model, "ids": ids[start:start + ROWS_AT_ONCE]})
            found += [WindowRow(report_id, day, None if at is None else at.hour, team_id, place,
                                category, from_bytes(blob), made_at)
                      for report_id, day, at, team_id, place, category, blob, made_at
                      in rows.tuples()]
        return found

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
