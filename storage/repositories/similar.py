"""Similar reports: the stored reports whose vectors lie closest to one report's.

A report's vector (report_vectors) is unit length, so a dot product is the cosine similarity.
Only the candidates' vectors are read: reports in the teams the reader may see, within a year
either side of the report, embedded by the same model (another model's vectors are not
comparable). What comes back names no words of any report: reference, external id, team,
date, category and the similarity, for the page to show to any role.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Report, ReportVector
from storage.repositories.alert_views import Member
from storage.vectors import from_bytes

NEAREST = 5
WINDOW = timedelta(days=365)
# The lowest similarity worth showing a reviewer: below it, reports that merely share a
# place or a category word outrank nothing (bench/RESULTS.md, "Similar reports").
MINIMUM_SIMILARITY = 0.45


@dataclass(frozen=True)
class Similar(Member):
    """One report close to another, without its words: as an alert lists it, and how close."""

    similarity: float  # cosine similarity, -1 to 1


async def vector_of(session: AsyncSession, *, report_id: int) -> tuple[str, np.ndarray] | None:
    """The report's model id and vector; None when it has not been embedded yet."""
    row = (await session.execute(select(ReportVector.model, ReportVector.vector)
                                 .where(ReportVector.report_id == report_id))).first()
    return None if row is None else (row[0], from_bytes(row[1]))


async def nearest(session: AsyncSession, *, report: Report, model: str, vector: np.ndarray,
                  team_ids: Sequence[int] | None, limit: int = NEAREST,
                  minimum: float = MINIMUM_SIMILARITY) -> list[Similar]:
    """The `limit` reports most similar to `report` at `minimum` or above, closest first,
    from `team_ids` (None: every team) within WINDOW of its date."""
    query = (select(ReportVector.report_id, ReportVector.vector)
             .join(Report, Report.id == ReportVector.report_id)
             .where(ReportVector.model == model, Report.id != report.id,
                    Report.occurred_date >= report.occurred_date - WINDOW,
                    Report.occurred_date <= report.occurred_date + WINDOW))
    if team_ids is not None:
        query = query.where(Report.team_id.in_(list(team_ids)))
    rows = [(rid, blob) for rid, blob in (await session.execute(query)).tuples()
            if len(blob) == vector.nbytes]
    scores = closest(vector, rows, limit=limit, minimum=minimum)
    return await _describe(session, scores)


def closest(vector: np.ndarray, rows: Sequence[tuple[int, bytes]], *, limit: int,
            minimum: float) -> list[tuple[int, float]]:
    """(report id, similarity) of the `limit` rows closest to `vector`, at `minimum` or above."""
    if not rows or limit < 1:
        return []
    matrix = np.frombuffer(b"".join(blob for _, blob in rows), dtype="<f4")
    scores = matrix.reshape(len(rows), -1) @ np.asarray(vector, dtype=np.float32)
    top = np.arange(len(scores))
    if len(scores) > limit:  # the `limit` best in linear time, then only they are sorted
        top = np.argpartition(-scores, limit - 1)[:limit]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(rows[int(i)][0], float(scores[i])) for i in top if scores[i] >= minimum]


async def _describe(session: AsyncSession, scores: list[tuple[int, float]]) -> list[Similar]:
    """The shown columns of the scored reports, in the scores' order."""
    if not scores:
        return []
    query = select(Report.id, Report.reference, Report.external_id, Report.team_id,
                   Report.occurred_date, Report.category).where(
        Report.id.in_([report_id for report_id, _ in scores]))
    found = {row[0]: row for row in (await session.execute(query)).tuples()}
    return [Similar(*found[report_id], similarity=score)
            for report_id, score in scores if report_id in found]
