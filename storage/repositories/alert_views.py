"""Pattern alerts as the admin reads them: each with its member reports, for one reader's teams.

Who sees what: an alert of one team (place and team scopes) is seen by those who see that
team; an alert across teams (organisation and time scopes) by administrators and by anyone who
sees a team holding one of its reports. Each reader is listed only the members in teams they
may see; the others are counted, never named. The pattern pass (storage/repositories/
patterns.py) writes alerts; this module reads them and records a reviewer's title.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PatternAlert, PatternAlertReport, Report

TITLE_LIMIT = 200  # characters of a reviewer's title that are kept


@dataclass(frozen=True)
class Member:
    """One report of an alert, without its words."""

    report_id: int
    reference: str
    external_id: str | None
    team_id: int
    occurred_date: date
    category: str


@dataclass(frozen=True)
class AlertView:
    """An alert, the members its reader may see (by date) and what is only counted."""

    alert: PatternAlert
    members: list[Member]
    hidden: int  # members in teams the reader may not see
    team_ids: frozenset[int]  # the teams of all its members


def visible(team_ids: Sequence[int] | None) -> ColumnElement[bool]:
    """The alerts a reader of `team_ids` (None: every team) may see."""
    if team_ids is None:
        return true()
    teams = list(team_ids)
    holds = exists().where(PatternAlertReport.alert_id == PatternAlert.id,
                           Report.id == PatternAlertReport.report_id, Report.team_id.in_(teams))
    return or_(PatternAlert.team_id.in_(teams), and_(PatternAlert.team_id.is_(None), holds))


class AlertViewRepository:
    """Reads alerts with their members for one reader's teams; the caller commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(self, *, team_ids: Sequence[int] | None, page: int,
                   per_page: int) -> tuple[list[AlertView], int]:
        """One page of the alerts the reader may see, latest first, and how many there are."""
        query = select(PatternAlert).where(visible(team_ids))
        total = await self.session.scalar(
            select(func.count()).select_from(query.subquery())) or 0
        alerts = await self._read(_latest(query).offset((page - 1) * per_page).limit(per_page))
        return await self._with_members(alerts, team_ids), total

    async def one(self, *, alert_id: int, team_ids: Sequence[int] | None) -> AlertView | None:
        """One alert if the reader may see it, else None."""
        alerts = await self._read(select(PatternAlert).where(
            PatternAlert.id == alert_id, visible(team_ids)))
        found = await self._with_members(alerts, team_ids)
        return found[0] if found else None

    async def every(self, *, team_ids: Sequence[int] | None) -> list[AlertView]:
        """Every alert the reader may see, latest first (the CSV)."""
        alerts = await self._read(_latest(select(PatternAlert).where(visible(team_ids))))
        return await self._with_members(alerts, team_ids)

    async def clusters(self, *, team_ids: Sequence[int] | None, date_from: date | None,
                       date_to: date | None) -> list[AlertView]:
        """The alerts whose reports fall in a period (any overlap), largest first."""
        query = select(PatternAlert).where(visible(team_ids))
        if date_from is not None:
            query = query.where(PatternAlert.last_date >= _midnight(date_from))
        if date_to is not None:
            query = query.where(PatternAlert.first_date <= _midnight(date_to))
        query = query.order_by(PatternAlert.report_count.desc(),
                               PatternAlert.last_date.desc(), PatternAlert.id.desc())
        return await self._with_members(await self._read(query), team_ids)

    async def set_title(self, alert: PatternAlert, *, title: str, by: str) -> None:
        """Record a reviewer's title (an empty one removes it) and who wrote it."""
        text = " ".join(title.split())[:TITLE_LIMIT]
        alert.title, alert.title_by = (text, by[:254]) if text else (None, None)
        await self.session.flush()

    async def acknowledge(self, alert: PatternAlert, *, by: str) -> None:
        """Record who has looked at the alert."""
        alert.acknowledged_by = by[:254]
        await self.session.flush()

    async def _read(self, query: Select[tuple[PatternAlert]]) -> list[PatternAlert]:
        return list(await self.session.scalars(query))

    async def _with_members(self, alerts: list[PatternAlert],
                            team_ids: Sequence[int] | None) -> list[AlertView]:
        """Each alert with its members split into those the reader may see and the rest."""
        if not alerts:
            return []
        query = (select(PatternAlertReport.alert_id, Report.id, Report.reference,
                        Report.external_id, Report.team_id, Report.occurred_date,
                        Report.category)
                 .join(Report, Report.id == PatternAlertReport.report_id)
                 .where(PatternAlertReport.alert_id.in_([alert.id for alert in alerts]))
                 .order_by(Report.occurred_date, Report.id))
        members: dict[int, list[Member]] = defaultdict(list)
        for alert_id, report_id, reference, external_id, team_id, day, category in (
                await self.session.execute(query)).tuples():
            members[alert_id].append(Member(report_id, reference, external_id, team_id, day,
                                            category))
        return [_view(alert, members[alert.id], team_ids) for alert in alerts]


def _view(alert: PatternAlert, members: list[Member],
          team_ids: Sequence[int] | None) -> AlertView:
    shown = [m for m in members if team_ids is None or m.team_id in team_ids]
    return AlertView(alert, shown, hidden=len(members) - len(shown),
                     team_ids=frozenset(m.team_id for m in members))


def _latest(query: Select[tuple[PatternAlert]]) -> Select[tuple[PatternAlert]]:
    return query.order_by(PatternAlert.last_date.desc(), PatternAlert.id.desc())


def _midnight(day: date) -> datetime:
    """Alert dates are stored as midnight UTC of the day."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
