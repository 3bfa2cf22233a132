"""Data rights and retention: what is held about a reporter, erasing it, and the daily job.

Every access, erasure and retention run writes a PrivacyEvent (append-only) that names who
acted and which reports, never the subject's Telegram id, name or username.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Action,
    FsmRecord,
    OutboxMessage,
    PrivacyEvent,
    Report,
    Reporter,
    ReportIdentity,
    RetentionPolicy,
    RetentionRun,
    Team,
)
from storage.schemas import ReporterRow

EXPORT_FIELDS = ("reference", "confidentiality", "kind", "status", "occurred_date",
                 "occurred_time", "time_of_day", "place", "category", "what_happened",
                 "how_prevented", "immediate_action", "suggestions", "submitted_at")


# Each LIKE is one level of SQLite's expression tree (at most 1,000 deep) when OR-ed.
_LIKE_CHUNK = 200


@dataclass(frozen=True)
class RetentionOutcome:
    """What one run of the retention job did; None when it had already run that day."""

    run_on: date
    identities_erased: tuple[str, ...]  # references
    reports_deleted: tuple[str, ...]


class PrivacyRepository:
    """Subject access, erasure and retention, on one session (the caller commits)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def subject_reports(self, *, telegram_user_id: int) -> list[Report]:
        """The reports that hold this person's identity (never their anonymous ones)."""
        query = (select(Report).join(ReportIdentity, ReportIdentity.report_id == Report.id)
                 .where(ReportIdentity.telegram_user_id == telegram_user_id)
                 .order_by(Report.submitted_at, Report.id))
        return list(await self.session.scalars(query))

    async def export(self, *, telegram_user_id: int, reporter: ReporterRow | None,
                     actor: str, now: datetime | None = None) -> dict[str, Any]:
        """Everything held about a person, JSON-ready; records the access."""
        reports = await self.subject_reports(telegram_user_id=telegram_user_id)
        identities = {row.report_id: row for row in await self.session.scalars(
            select(ReportIdentity).where(ReportIdentity.telegram_user_id == telegram_user_id))}
        team = (await self.session.get(Team, reporter.team_id)
                if reporter is not None and reporter.team_id is not None else None)
        items = []
        for report in reports:
            identity = identities[report.id]
            actions = await self.session.scalars(
                select(Action).where(Action.report_id == report.id).order_by(Action.id))
            item = {name: _plain(getattr(report, name)) for name in EXPORT_FIELDS}
            item["told"] = report.told_parties
            item["identity_stored"] = {"telegram_user_id": identity.telegram_user_id,
                                       "first_name": identity.first_name,
                                       "username": identity.username}
            item["actions"] = [{"description": a.description, "status": a.status,
                                "what_changed": a.outcome_evidence} for a in actions]
            items.append(item)
        await self._log(actor, "access", [r.reference for r in reports], now)
        return {
            "generated_at": _plain(now or datetime.now(UTC)),
            "telegram_user_id": telegram_user_id,
            "membership": None if reporter is None else {
                "team": team.name if team is not None else None,
                "language": reporter.language,
                "since": _plain(reporter.created_at),
            },
            "reports": items,
            "not_included": "Anonymous reports are stored with nothing that links them to "
                            "anyone, so they cannot be found or included.",
        }

    async def erase(self, *, telegram_user_id: int, reporter_key: str | None, actor: str,
                    now: datetime | None = None) -> list[str]:
        """Erase a person's identity from all their reports and forget them; the reports stay.

        Also drops their team membership and language, any conversation state, and the
        private messages queued or sent to them. Returns the references de-identified.
        """
        moment = now or datetime.now(UTC)
        self.session.info.setdefault("actor", (None, actor))  # the audit trail's who
        reports = await self.subject_reports(telegram_user_id=telegram_user_id)
        await self._erase_identities(reports, moment)
        if reporter_key is not None:
            await self.session.execute(
                delete(Reporter).where(Reporter.telegram_key == reporter_key))
        # A private chat's FSM key is fsm:<chat id>:<user id>:<destiny>, and chat id = user id.
        await self.session.execute(delete(FsmRecord).where(
            FsmRecord.key.like(f"fsm:{telegram_user_id}:{telegram_user_id}:%")))
        # Their feedback only: if they are also an on-call contact, the record of who was
        # alerted about an escalation stays.
        await self.session.execute(delete(OutboxMessage).where(
            OutboxMessage.chat_id == telegram_user_id, OutboxMessage.is_group.is_(False),
            OutboxMessage.kind == "feedback"))
        references = [r.reference for r in reports]
        await self._log(actor, "erasure", references, moment)
        return references

    async def policy(self) -> RetentionPolicy:
        """The organisation's retention periods (the row migration 0008 made)."""
        policy = await self.session.get(RetentionPolicy, 1)
        if policy is None:  # someone deleted it: the defaults, stored again
            policy = RetentionPolicy(id=1, identity_days_after_closure=90, report_years=8)
            self.session.add(policy)
            await self.session.flush()
        return policy

    async def update_policy(self, *, identity_days_after_closure: int, report_years: int,
                            updated_by: str) -> RetentionPolicy:
        """Change the retention periods; the next daily run applies them."""
        if identity_days_after_closure < 0 or report_years < 1:
            raise ValueError("identity days must be 0 or more, report years 1 or more")
        policy = await self.policy()
        policy.identity_days_after_closure = identity_days_after_closure
        policy.report_years = report_years
        policy.updated_by = updated_by
        await self.session.flush()
        return policy

    async def runs(self, *, limit: int = 30) -> list[RetentionRun]:
        """The latest runs of the retention job, newest first."""
        query = select(RetentionRun).order_by(RetentionRun.run_on.desc()).limit(limit)
        return list(await self.session.scalars(query))

    async def events(self, *, page: int = 1,
                     per_page: int = 50) -> tuple[list[PrivacyEvent], int]:
        """One page of the privacy log, newest first, and how many entries it has."""
        query = (select(PrivacyEvent).order_by(PrivacyEvent.at.desc(), PrivacyEvent.id.desc())
                 .limit(per_page).offset((max(page, 1) - 1) * per_page))
        total = await self.session.scalar(select(func.count(PrivacyEvent.id))) or 0
        return list(await self.session.scalars(query)), total

    async def apply_retention(self, *, now: datetime) -> RetentionOutcome | None:
        """Run the retention job for now's date, once per date; None if it already ran."""
        run_on = now.date()
        self.session.info.setdefault("actor", (None, "retention"))
        existing = await self.session.scalar(
            select(RetentionRun).where(RetentionRun.run_on == run_on))
        if existing is not None:
            return None
        run = RetentionRun(run_on=run_on, started_at=now)
        self.session.add(run)
        await self.session.flush()  # a second worker's insert for the same day fails here
        policy = await self.policy()
        identity_cutoff = now - timedelta(days=policy.identity_days_after_closure)
        closed = list(await self.session.scalars(
            select(Report).join(ReportIdentity, ReportIdentity.report_id == Report.id)
            .where(Report.closed_at.is_not(None), Report.closed_at <= identity_cutoff)))
        await self._erase_identities(closed, now)
        report_cutoff = _years_before(now, policy.report_years)
        old = list(await self.session.scalars(
            select(Report).where(Report.submitted_at <= report_cutoff)))
        for report in old:
            await self.session.delete(report)
        await self._drop_feedback([r.id for r in old])  # identities go by ON DELETE CASCADE
        await self.session.flush()
        erased = tuple(r.reference for r in closed)
        deleted = tuple(r.reference for r in old)
        run.identities_erased, run.reports_deleted = len(erased), len(deleted)
        run.finished_at = now
        run.detail = _detail(erased, deleted)
        if erased or deleted:
            self.session.add(PrivacyEvent(at=now, actor="retention", action="retention",
                                          report_count=len(erased) + len(deleted),
                                          detail=run.detail))
        await self.session.flush()
        return RetentionOutcome(run_on, erased, deleted)

    async def _erase_identities(self, reports: list[Report], moment: datetime) -> None:
        if not reports:
            return
        ids = [r.id for r in reports]
        for chunk in _chunks(ids):
            await self.session.execute(delete(ReportIdentity).where(
                ReportIdentity.report_id.in_(chunk)))
        for report in reports:
            report.identity_erased_at = moment
        await self._drop_feedback(ids)
        await self.session.flush()

    async def _drop_feedback(self, report_ids: list[int]) -> None:
        """Delete the private feedback rows of these reports, queued or already sent.

        A sent row keeps the reporter's chat id beside its report's id in the batch name, so
        leaving it would undo the erasure; a queued one could not go anywhere now.
        """
        for chunk in _chunks(report_ids, size=_LIKE_CHUNK):
            await self.session.execute(delete(OutboxMessage).where(
                OutboxMessage.is_group.is_(False),
                or_(*[OutboxMessage.batch.like(f"feedback:{i}:%") for i in chunk])))

    async def _log(self, actor: str, action: str, references: list[str],
                   now: datetime | None) -> None:
        self.session.add(PrivacyEvent(at=now or datetime.now(UTC), actor=actor, action=action,
                                      report_count=len(references),
                                      detail=", ".join(references) or None))
        await self.session.flush()


def _chunks(ids: list[int], size: int = 500) -> Iterator[list[int]]:
    """Slices small enough for SQLite's limits on bound parameters and expression depth."""
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February in a year that has none
        return moment.replace(year=moment.year - years, day=28)


def _detail(erased: tuple[str, ...], deleted: tuple[str, ...]) -> str:
    parts = []
    if erased:
        parts.append("identity erased: " + ", ".join(erased))
    if deleted:
        parts.append("reports deleted: " + ", ".join(deleted))
    return "; ".join(parts) or "nothing due"
