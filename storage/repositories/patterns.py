"""Pattern alerts: similar near misses repeating, stored once per cluster."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, String, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from learning.patterns import Cluster, Sighting, cluster_of
from storage.dialects import upsert_insert
from storage.models import PatternAlert, Report, utcnow

ORGANISATION = "organisation"
_KEY = ["scope", "category", "place", "first_report_id"]

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
        same_place = {"team": report.team_id, "place": report.place}
        found = []
        team = await self._cluster(report, _SAME_PLACE, same_place, min_reports, window_days,
                                   min_teams=1)
        if team is not None:
            found.append(await self._record(team, scope=team_scope(report.team_id),
                                            team_id=report.team_id, category=report.category,
                                            place=await self._place(team.first_report_id)))
        wide = await self._cluster(report, _SIGHTING, {}, min_reports, window_days,
                                   min_teams=2)
        if wide is not None:
            found.append(await self._record(wide, scope=ORGANISATION, team_id=None,
                                            category=report.category, place=""))
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

    async def _cluster(self, report: Report, query: Select[Any], where: dict[str, Any],
                       min_reports: int, window_days: int, *, min_teams: int) -> Cluster | None:
        """The report's cluster, reading further back while it may still reach earlier."""
        reach = timedelta(days=window_days)
        since, until = report.occurred_date - reach, report.occurred_date + reach
        while True:
            params = {**where, "category": report.category, "since": since, "until": until}
            sightings = [Sighting(*row) for row in await self.session.execute(query, params)]
            cluster = cluster_of(sightings, report.id, min_reports=min_reports,
                                 window_days=window_days, min_teams=min_teams)
            # A cluster's first report is its name: it must not move as time goes on.
            if cluster is None or cluster.first_date - reach >= since:
                return cluster
            since = cluster.first_date - reach

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
        known = await self.session.scalar(_KNOWN, {name: values[name] for name in _KEY})
        if known is None:
            insert = upsert_insert(self.session, PatternAlert.__table__).values(values)
            created = await self.session.scalar(
                insert.on_conflict_do_nothing(index_elements=_KEY).returning(PatternAlert.id))
            if created is not None:
                return await self.session.get(PatternAlert, created)
            known = await self.session.scalar(_KNOWN, {name: values[name] for name in _KEY})
        if known is not None and known.report_count < cluster.count:
            known.report_count, known.last_date = cluster.count, values["last_date"]
            await self.session.flush()
        return None


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
