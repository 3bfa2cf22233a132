"""Pattern alerts: each cluster of similar near misses stored once, with its members, grown as
similar reports join, and announced to its audience once.

The pass (bot/patterns.py) finds the clusters with learning/ and hands them here as plain data.
Two passes may run at once (on PostgreSQL each takes queued reports the other has not locked):
an alert is keyed by its scope and first report, so when both find one new cluster, one
inserts it and the other, waiting on that insert, finds it and adds its members; members are
inserted once (their primary key), and the count and dates are read back from them.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, func, literal, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialects import upsert_insert
from storage.models import PatternAlert, PatternAlertReport, PatternCheck, Report, utcnow

SCOPES = ("place", "team", "organisation", "time")
# Oldest first; on PostgreSQL rows another pass holds are skipped (SQLite has no FOR UPDATE,
# and its transactions take turns).
_QUEUED = (select(PatternCheck.report_id, PatternCheck.announce)
           .order_by(PatternCheck.report_id).limit(bindparam("limit"))
           .with_for_update(skip_locked=True))
_DONE = delete(PatternCheck).where(PatternCheck.report_id.in_(bindparam("ids", expanding=True)))
_HOLDING = (select(PatternAlertReport.alert_id, PatternAlertReport.report_id)
            .where(PatternAlertReport.alert_id.in_(
                select(PatternAlertReport.alert_id)
                .where(PatternAlertReport.report_id.in_(bindparam("ids", expanding=True))))))
_MEMBERS = (select(func.count(), func.min(Report.occurred_date), func.max(Report.occurred_date))
            .select_from(PatternAlertReport).join(Report, Report.id == PatternAlertReport.report_id)
            .where(PatternAlertReport.alert_id == bindparam("alert")))


class Cluster(Protocol):
    """A cluster as the pass found it (learning.patterns.Found fits)."""

    @property
    def scope(self) -> str: ...
    @property
    def report_ids(self) -> frozenset[int]: ...
    @property
    def team_id(self) -> int | None: ...
    @property
    def place(self) -> str: ...
    @property
    def hour(self) -> int | None: ...
    @property
    def first_report_id(self) -> int: ...
    @property
    def first_date(self) -> date: ...
    @property
    def last_date(self) -> date: ...


@dataclass(frozen=True)
class Queued:
    """A report waiting for the pass, and whether its alerts may be announced."""

    report_id: int
    announce: bool


@dataclass(frozen=True)
class Recorded:
    """An alert as a cluster left it: new this time, or grown by `joined` reports."""

    alert: PatternAlert
    new: bool
    joined: frozenset[int]


class PatternRepository:
    """The queue of reports to check, and the alerts the pass records with their members
    (storage/repositories/alert_views.py reads them for people)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def take_queued(self, *, limit: int) -> builtins.list[Queued]:
        """Up to `limit` queued reports, oldest first (locked against other passes)."""
        rows = await self.session.execute(_QUEUED, {"limit": limit})
        return [Queued(report_id, bool(announce)) for report_id, announce in rows]

    async def peek_queued(self, *, limit: int) -> builtins.list[int]:
        """The next `limit` queued reports, oldest first, unlocked (to make their vectors)."""
        return list(await self.session.scalars(select(PatternCheck.report_id)
                                               .order_by(PatternCheck.report_id).limit(limit)))

    async def leave_queue(self, *, report_ids: Collection[int]) -> None:
        """Take these reports off the queue: their alerts are recorded."""
        if report_ids:
            await self.session.execute(_DONE, {"ids": list(report_ids)})

    async def queue_all(self, *, announce: bool) -> None:
        """Queue every stored report for the pass (reindex: history, unannounced); a report
        already queued keeps its place and its own `announce`."""
        insert = upsert_insert(self.session, PatternCheck.__table__).from_select(
            # WHERE true: SQLite reads "SELECT ... ON CONFLICT" as a join without it.
            ["report_id", "announce"], select(Report.id, literal(announce)).where(true()))
        await self.session.execute(insert.on_conflict_do_nothing(index_elements=["report_id"]))

    async def holding(self, *, report_ids: Collection[int]) -> dict[int, frozenset[int]]:
        """The alerts holding any of these reports, each with all its members."""
        if not report_ids:
            return {}
        members: dict[int, set[int]] = {}
        for alert_id, report_id in await self.session.execute(_HOLDING,
                                                              {"ids": list(report_ids)}):
            members.setdefault(alert_id, set()).add(report_id)
        return {alert_id: frozenset(ids) for alert_id, ids in members.items()}

    async def record(self, cluster: Cluster, *, alert_id: int | None, label: str) -> Recorded:
        """Grow alert `alert_id` by the cluster's members, or insert the cluster's alert."""
        new = False
        if alert_id is None:
            alert_id, new = await self._insert(cluster, label)
        joined = await self._add_members(alert_id, cluster.report_ids)
        alert = await self._refresh(alert_id, cluster, label)
        return Recorded(alert=alert, new=new, joined=frozenset(joined))

    async def _insert(self, cluster: Cluster, label: str) -> tuple[int, bool]:
        """The new alert's id, or the one another pass inserted for the same cluster."""
        values = {"scope": cluster.scope, "team_id": cluster.team_id, "place": cluster.place,
                  "hour": cluster.hour, "first_report_id": cluster.first_report_id,
                  "report_count": 0, "first_date": _midnight(cluster.first_date),
                  "last_date": _midnight(cluster.last_date), "created_at": utcnow(),
                  "label": label}
        insert = upsert_insert(self.session, PatternAlert.__table__).values(values)
        created = await self.session.scalar(insert.on_conflict_do_nothing(
            index_elements=["scope", "first_report_id"]).returning(PatternAlert.id))
        if created is not None:
            return created, True
        known = await self.session.scalar(select(PatternAlert.id).where(
            PatternAlert.scope == cluster.scope,
            PatternAlert.first_report_id == cluster.first_report_id))
        assert known is not None  # the conflicting row is committed, so it is visible
        return known, False

    async def _add_members(self, alert_id: int, report_ids: Collection[int]) -> set[int]:
        """Insert the members not yet listed; the ones that joined."""
        known = set(await self.session.scalars(select(PatternAlertReport.report_id).where(
            PatternAlertReport.alert_id == alert_id)))
        joined = set(report_ids) - known
        if joined:
            insert = upsert_insert(self.session, PatternAlertReport.__table__).values(
                [{"alert_id": alert_id, "report_id": report_id} for report_id in joined])
            await self.session.execute(insert.on_conflict_do_nothing(
                index_elements=["alert_id", "report_id"]))
        return joined

    async def _refresh(self, alert_id: int, cluster: Cluster, label: str) -> PatternAlert:
        """Count and dates from the members, label and scope from the cluster."""
        count, first, last = (await self.session.execute(_MEMBERS, {"alert": alert_id})).one()
        await self._update(alert_id, report_count=count, first_date=_midnight(first),
                           last_date=_midnight(last), label=label or PatternAlert.label)
        try:  # a cluster that spread (one place to a team's places) widens its alert's scope
            async with self.session.begin_nested():
                await self._update(alert_id, scope=cluster.scope, team_id=cluster.team_id,
                                   place=cluster.place, hour=cluster.hour)
        except IntegrityError:
            pass  # another alert of that scope starts at the same report: this one stays as is
        alert = await self.session.get(PatternAlert, alert_id, populate_existing=True)
        assert alert is not None
        return alert

    async def _update(self, alert_id: int, **values: Any) -> None:
        await self.session.execute(update(PatternAlert).where(PatternAlert.id == alert_id)
                                   .values(**values)
                                   .execution_options(synchronize_session=False))

    async def mark_announced(self, alert: PatternAlert) -> None:
        """Record that the alert's audience has been told (they are told once)."""
        alert.announced_at = utcnow()
        await self.session.flush()


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
