"""Pattern alerts: similar near misses repeating, stored once per cluster."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, String, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from learning.patterns import Cluster, Sighting, clusters
from storage.dialects import upsert_insert
from storage.models import PatternAlert, PatternCheck, Report, utcnow

ORGANISATION = "organisation"
_KEY = ["scope", "first_report_id"]  # interim: the pass by meaning replaces this module

# Built once, asked at every submission: see storage/fsm.py on prebuilt statements.
_SIGHTING = select(Report.id, Report.occurred_date, Report.team_id).where(
    Report.occurred_date >= bindparam("since"), Report.occurred_date <= bindparam("until"),
    Report.category == bindparam("category"))
_SAME_PLACE = _SIGHTING.where(
    Report.team_id == bindparam("team"),
    func.lower(Report.place) == func.lower(bindparam("place", type_=String)))
_PLACE_OF = select(Report.place).where(Report.id == bindparam("report"))
_KNOWN = select(PatternAlert).where(*(getattr(PatternAlert, name) == bindparam(name)
                                      for name in _KEY))
# Oldest first; on PostgreSQL rows another pass holds are skipped (SQLite has no FOR UPDATE,
# and its transactions take turns).
_QUEUED = (select(PatternCheck.report_id).order_by(PatternCheck.report_id)
           .limit(bindparam("limit")).with_for_update(skip_locked=True))
_QUEUED_REPORTS = select(Report.id, Report.occurred_date, Report.team_id, Report.category,
                         Report.place).where(Report.id.in_(bindparam("ids", expanding=True)))
_DONE = delete(PatternCheck).where(PatternCheck.report_id.in_(bindparam("ids", expanding=True)))


@dataclass(frozen=True)
class _Seen:
    """What the pattern check reads of a report."""

    id: int
    occurred_date: date
    team_id: int
    category: str
    place: str

    @classmethod
    def of(cls, report: Report) -> _Seen:
        return cls(report.id, report.occurred_date, report.team_id, report.category,
                   report.place)


def team_scope(team_id: int) -> str:
    """The scope of one team's alerts."""
    return f"team:{team_id}"


class PatternRepository:
    """Finds repeating near misses after a report and records each cluster's alert once."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def check(self, *, report: Report, min_reports: int,
                    window_days: int) -> builtins.list[PatternAlert]:
        """Record the alerts a new report completes; return only the ones new this time."""
        return await self._check([_Seen.of(report)], min_reports, window_days)

    async def check_queued(self, *, min_reports: int, window_days: int,
                           limit: int) -> tuple[builtins.list[PatternAlert], int]:
        """Check up to `limit` queued reports together (ReportRepository queues each new one)
        and take them off the queue: the alerts new this time, and how many were checked.

        Several workers may run this at once: on PostgreSQL each takes rows the others have
        not locked; on SQLite their transactions take turns. An alert is inserted once (its
        cluster is its key), so only one of two passes that find it returns it.
        """
        queued = list(await self.session.scalars(_QUEUED, {"limit": limit}))
        if not queued:
            return [], 0
        seen = [_Seen(*row) for row in await self.session.execute(_QUEUED_REPORTS,
                                                                   {"ids": queued})]
        await self.session.execute(_DONE, {"ids": queued})
        return await self._check(seen, min_reports, window_days), len(queued)

    async def _check(self, reports: Sequence[_Seen], min_reports: int,
                     window_days: int) -> builtins.list[PatternAlert]:
        """Record the clusters these reports belong to: each team's, at one place, and the
        organisation's, across teams; read once for each place and once for each category."""
        found: builtins.list[PatternAlert | None] = []
        at_place: dict[tuple[int, str, str], builtins.list[_Seen]] = {}
        by_category: dict[str, builtins.list[_Seen]] = {}
        for report in reports:
            at_place.setdefault((report.team_id, report.category, report.place.lower()),
                                []).append(report)
            by_category.setdefault(report.category, []).append(report)
        for (team_id, category, _), group in at_place.items():
            where = {"team": team_id, "place": group[0].place}
            for cluster in await self._clusters(group, _SAME_PLACE, where, min_reports,
                                                window_days, min_teams=1):
                found.append(await self._record(
                    cluster, scope=team_scope(team_id), team_id=team_id, category=category,
                    place=await self._place(cluster.first_report_id)))
        for category, group in by_category.items():
            for cluster in await self._clusters(group, _SIGHTING, {}, min_reports, window_days,
                                                min_teams=2):
                found.append(await self._record(cluster, scope=ORGANISATION, team_id=None,
                                                category=category, place=""))
        return [alert for alert in found if alert is not None]

    async def list(self, *, team_ids: Sequence[int] | None) -> builtins.list[PatternAlert]:
        """Return alerts newest first: every one (None) or these teams' (no organisation's)."""
        query = select(PatternAlert)
        if team_ids is not None:
            query = query.where(PatternAlert.team_id.in_(list(team_ids)))
        query = query.order_by(PatternAlert.created_at.desc(), PatternAlert.id.desc())
        return list(await self.session.scalars(query))

    async def get(self, *, alert_id: int) -> PatternAlert | None:
        """Return one alert, or None."""
        return await self.session.get(PatternAlert, alert_id)

    async def acknowledge(self, alert: PatternAlert, *, by: str) -> None:
        """Record who has looked at the alert."""
        alert.acknowledged_by = by[:254]
        await self.session.flush()

    async def _clusters(self, reports: Sequence[_Seen], query: Select[Any],
                        where: dict[str, Any], min_reports: int, window_days: int, *,
                        min_teams: int) -> builtins.list[Cluster]:
        """The clusters holding any of these reports (one category), reading further back
        while one may still reach earlier."""
        reach = timedelta(days=window_days)
        ids = {report.id for report in reports}
        since = min(report.occurred_date for report in reports) - reach
        until = max(report.occurred_date for report in reports) + reach
        while True:
            params = {**where, "category": reports[0].category, "since": since, "until": until}
            sightings = [Sighting(*row) for row in await self.session.execute(query, params)]
            found = [cluster for cluster in clusters(sightings, min_reports=min_reports,
                                                     window_days=window_days,
                                                     min_teams=min_teams)
                     if cluster.report_ids & ids]
            # A cluster's first report is its name: it must not move as time goes on.
            earliest = min((cluster.first_date for cluster in found), default=None)
            if earliest is None or earliest - reach >= since:
                return found
            since = earliest - reach

    async def _place(self, report_id: int) -> str:
        """The place as the cluster's first report wrote it, so a retyped case adds no alert."""
        return await self.session.scalar(_PLACE_OF, {"report": report_id}) or ""

    async def _record(self, cluster: Cluster, **key: Any) -> PatternAlert | None:
        """Insert the cluster's alert if it is new; otherwise bring its count up to date."""
        values = {**key, "first_report_id": cluster.first_report_id,
                  "report_count": cluster.count, "first_date": _midnight(cluster.first_date),
                  "last_date": _midnight(cluster.last_date), "created_at": utcnow()}
        # Looked up first: a cluster's alert is new once and then found at each report of it
        # (the upsert, compiled afresh every call, is only needed the once).
        identity = {name: values[name] for name in _KEY}
        known = await self.session.scalar(_KNOWN, identity)
        if known is None:
            insert = upsert_insert(self.session, PatternAlert.__table__).values(values)
            created = await self.session.scalar(
                insert.on_conflict_do_nothing(index_elements=_KEY).returning(PatternAlert.id))
            if created is not None:
                return await self.session.get(PatternAlert, created)
            known = await self.session.scalar(_KNOWN, identity)
        if known is not None and known.report_count < cluster.count:
            known.report_count, known.last_date = cluster.count, values["last_date"]
            await self.session.flush()
        return None


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
