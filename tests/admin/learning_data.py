"""Reports with stored vectors and pattern alerts with members, made directly for admin tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from learning.embedding import embedder, model_id
from storage.models import PatternAlert, PatternAlertReport, ReportVector
from storage.repositories import ReportRepository
from storage.schemas import ReportCreate
from storage.vectors import to_bytes
from tests.admin.conftest import AMARA


async def add_embedded(sessionmaker: async_sessionmaker[AsyncSession], *, team_id: int,
                       texts: Sequence[str], days_ago: int = 3, place: str = "Lounge",
                       category: str = "medication",
                       external_ids: Sequence[str | None] = ()) -> list[int]:
    """One report per text, each with its vector stored (as the pattern pass would)."""
    vectors = embedder().embed(list(texts))
    ids = []
    async with sessionmaker.begin() as session:
        session.info["actor"] = (None, "test-setup")
        for index, text in enumerate(texts):
            report = await ReportRepository(session).create(data=ReportCreate(
                draft_key=f"{team_id}-{days_ago}-{index}-{text[:20]}", identity=AMARA,
                team_id=team_id, language="en",
                occurred_date=date.today() - timedelta(days=days_ago + index),
                occurred_time=None, time_of_day="evening", place=place, place_id=None,
                category=category, what_happened=text, how_prevented="Caught in time",
                immediate_action=None, told=(), suggestions=None,
                submitted_at=datetime.now(UTC)))
            if index < len(external_ids) and external_ids[index]:
                report.external_id = external_ids[index]
            session.add(ReportVector(report_id=report.id, model=model_id(),
                                     vector=to_bytes(vectors[index])))
            ids.append(report.id)
    return ids


async def add_alert(sessionmaker: async_sessionmaker[AsyncSession], *, scope: str,
                    members: Sequence[int], team_id: int | None = None, place: str = "",
                    hour: int | None = None, label: str = "", title: str | None = None,
                    days: tuple[int, int] = (20, 2), first_report_id: int | None = None) -> int:
    """An alert over `members`, its dates `days` ago (first, last)."""
    first, last = (datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
                   - timedelta(days=n) for n in days)
    async with sessionmaker.begin() as session:
        alert = PatternAlert(scope=scope, team_id=team_id, place=place, hour=hour,
                             first_report_id=first_report_id or members[0],
                             report_count=len(members),
                             first_date=first, last_date=last, label=label, title=title,
                             title_by="reviewer@example.org" if title else None)
        session.add(alert)
        await session.flush()
        session.add_all(PatternAlertReport(alert_id=alert.id, report_id=report_id)
                        for report_id in members)
        return alert.id
