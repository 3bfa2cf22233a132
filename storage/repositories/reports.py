"""Submitted reports: stored once per draft, each with its own reference."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage import hot
from storage.models import PatternCheck, Report, ReportFactor, ReportIdentity, ReportTold
from storage.references import next_reference
from storage.repositories.report_search import filter_conditions, sort_order
from storage.repositories.reporters import UNSET, Unset
from storage.schemas import ReportCreate, ReporterIdentity, ReportFilters
from storage.vocab import FACTORS, REPORT_STATUSES, SEVERITIES, TIERS

# Built once, used at every submission: see storage/fsm.py on prebuilt statements.
_REPORTS = Report.__table__
_STORED_FOR = hot.Hot(select(_REPORTS.c.id, _REPORTS.c.reference).where(
    _REPORTS.c.draft_key == bindparam("draft")))

_COPIED_FIELDS = (
    "draft_key",
    "confidentiality",
    "kind",
    "tier",
    "someone_harmed",
    "safeguarding_concern",
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
    "external_id",
)
_INSERT_REPORT = hot.Insert(_REPORTS, ("reference", *_COPIED_FIELDS), returning=[_REPORTS.c.id])
_INSERT_TOLD = hot.Insert(ReportTold.__table__, ("report_id", "party"))
_INSERT_IDENTITY = hot.Insert(ReportIdentity.__table__,
                              ("report_id", *(f.name for f in fields(ReporterIdentity))))
_CHUNK = 500  # values per IN (...) when looking many up
_QUEUE_PATTERN_CHECK = hot.Insert(PatternCheck.__table__, ("report_id", "announce"))


class ReportRepository:
    """Reads and writes reports."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, *, data: ReportCreate) -> Report:
        """Store a report, or return the one already stored for the same draft."""
        stored = await self.store(data=data)
        report = await self.session.get(Report, stored.id)
        assert report is not None  # stored in this transaction
        return report

    async def store(self, *, data: ReportCreate, announce: bool = True) -> StoredReport:
        """Store a report, or find the one already stored for the same draft: its id and
        reference, without loading it (what the bot needs to thank the reporter).

        It is queued for the pattern pass; `announce` False (imported history) records the
        patterns it makes without telling the teams' groups."""
        async with hot.transaction(self.session) as db:
            existing = await _stored_for(db, data.draft_key)
            if existing is not None:
                return existing
            if not db.postgresql:
                # SQLite's writers take turns (storage/db.py begins every transaction
                # IMMEDIATE): no other can have stored this draft since the look-up above.
                return await _insert(db, data, announce)
            try:
                # A savepoint, so losing a race on draft_key also returns the reference.
                async with db.savepoint():
                    return await _insert(db, data, announce)
            except hot.INTEGRITY_ERRORS:
                existing = await _stored_for(db, data.draft_key)
                if existing is None:
                    raise
                return existing

    async def get(self, *, reference: str) -> Report | None:
        """Return a report by its reference (case and spaces forgiven)."""
        query = select(Report).where(Report.reference == reference.strip().upper())
        return await self.session.scalar(query)

    async def stored_external_ids(self, *, external_ids: Collection[str]) -> set[str]:
        """Those of these external ids already stored (an import run before)."""
        return await self._stored_among(Report.external_id, external_ids)

    async def stored_draft_keys(self, *, draft_keys: Collection[str]) -> set[str]:
        """Those of these draft keys already stored."""
        return await self._stored_among(Report.draft_key, draft_keys)

    async def _stored_among(self, column: InstrumentedAttribute[str | None],
                            values: Collection[str]) -> set[str]:
        """The values of `column` among `values`, asked a chunk at a time (a query's
        parameters are limited)."""
        wanted, found = list(values), set[str]()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            found.update(value for value in await self.session.scalars(
                select(column).where(column.in_(chunk))) if value is not None)
        return found

    async def get_by_id(self, *, report_id: int) -> Report | None:
        """Return a report by id."""
        return await self.session.get(Report, report_id)

    async def list(self, *, team_id: int | None = None, limit: int = 50) -> builtins.list[Report]:
        """Return the newest reports, of one team or of all."""
        query = select(Report).order_by(Report.submitted_at.desc(), Report.id.desc())
        if team_id is not None:
            query = query.where(Report.team_id == team_id)
        return list(await self.session.scalars(query.limit(limit)))

    async def search(
        self, *, filters: ReportFilters, page: int = 1, per_page: int = 50
    ) -> tuple[builtins.list[Report], int]:
        """Return one page of the reports matching the filters, and how many match in all."""
        dialect = self.session.get_bind().dialect.name
        where = filter_conditions(filters, dialect=dialect)
        offset = (max(page, 1) - 1) * per_page
        query = (
            select(Report)
            .where(*where)
            .order_by(*sort_order(filters.sort))
            .limit(per_page)
            .offset(offset)
        )
        rows = list(await self.session.scalars(query))
        if 0 < len(rows) < per_page or (offset == 0 and not rows):
            # The last page, so the count is known: spares a text search its second scan.
            return rows, offset + len(rows)
        # A bare COUNT over the same WHERE: no ORDER BY, no join, often index-only.
        total = await self.session.scalar(select(func.count(Report.id)).where(*where)) or 0
        return rows, total

    async def update_curation(
        self,
        report: Report,
        *,
        status: str | Unset = UNSET,
        severity: str | None | Unset = UNSET,
        tier: str | None | Unset = UNSET,
        safeguarding_referral: bool | Unset = UNSET,
        commissioner_notified: bool | Unset = UNSET,
        family_informed: bool | Unset = UNSET,
        review_what: str | None | Unset = UNSET,
        review_why: str | None | Unset = UNSET,
        review_conditions: str | None | Unset = UNSET,
        review_change: str | None | Unset = UNSET,
        redacted_summary: str | None | Unset = UNSET,
        redacted_prevented: str | None | Unset = UNSET,
        factors: Iterable[str] | Unset = UNSET,
        now: datetime | None = None,
    ) -> Report:
        """Change a reviewer's fields; the worker's own answers have no parameter here.

        Closing stamps closed_at (`now`, default the present), which starts the clock on
        erasing who reported; reopening a closed report clears it.
        """
        # locals() is exactly the keyword arguments here; _CURATION_FIELDS picks the columns.
        fields = {k: v for k, v in locals().items() if k in _CURATION_FIELDS and v is not UNSET}
        _check_vocabulary(fields)
        wanted = None if factors is UNSET else _checked_factors(factors)
        if "status" in fields:
            fields.update(_closed_at(report, fields["status"], now))
        for name, value in fields.items():
            setattr(report, name, value)
        if wanted is not None:
            _set_factors(report, wanted)
        await self.session.flush()
        return report


async def _insert(db: hot.Statements, data: ReportCreate, announce: bool) -> StoredReport:
    """Allocate a reference and insert the report with its told rows and identity.

    Plain INSERTs (hot statements: storage/hot/) rather than the ORM's unit of work, which
    was most of a submission's cost: new reports are not audited (storage/audit.py), and
    the columns' own defaults apply alike (hot.Insert)."""
    reference = await next_reference(db, year=data.submitted_at.year)
    values = {field: getattr(data, field) for field in _COPIED_FIELDS}
    [(report_id,)] = await db.rows(_INSERT_REPORT,
                                   _INSERT_REPORT.values({"reference": reference, **values}))
    for party in dict.fromkeys(data.told):
        await db.run(_INSERT_TOLD, _INSERT_TOLD.values({"report_id": report_id, "party": party}))
    if data.identity is not None:
        await db.run(_INSERT_IDENTITY, _INSERT_IDENTITY.values(
            {"report_id": report_id, **asdict(data.identity)}))
    # Every new report is looked at by the pattern pass, which commits what it finds.
    await db.run(_QUEUE_PATTERN_CHECK, _QUEUE_PATTERN_CHECK.values({"report_id": report_id,
                                                                 "announce": announce}))
    return StoredReport(report_id, reference)


async def _stored_for(db: hot.Statements, draft_key: str) -> StoredReport | None:
    """The report stored for a draft, if any."""
    found = await db.rows(_STORED_FOR, {"draft": draft_key})
    return StoredReport(*found[0]) if found else None


@dataclass(frozen=True)
class StoredReport:
    """A report as the bot knows it once stored."""

    id: int
    reference: str


_CURATION_FIELDS = frozenset(
    {
        "redacted_prevented",
        "status",
        "severity",
        "tier",
        "safeguarding_referral",
        "commissioner_notified",
        "family_informed",
        "review_what",
        "review_why",
        "review_conditions",
        "review_change",
        "redacted_summary",
    }
)


# A report is finished when closed, or found not to be a near miss: either starts the clock.
FINISHED_STATUSES = frozenset({"closed", "not_near_miss"})


def _closed_at(report: Report, status: object, now: datetime | None) -> dict[str, object]:
    """closed_at to set for a status change: stamped on closing, cleared on reopening."""
    if status in FINISHED_STATUSES and report.closed_at is None:
        return {"closed_at": now or datetime.now(UTC)}
    if status not in FINISHED_STATUSES and report.closed_at is not None:
        return {"closed_at": None}
    return {}


def _check_vocabulary(fields: dict[str, object]) -> None:
    """Raise ValueError if a curation value is not in its vocabulary."""
    allowed = {"status": REPORT_STATUSES, "severity": (*SEVERITIES, None), "tier": (*TIERS, None)}
    for name, values in allowed.items():
        if name in fields and fields[name] not in values:
            raise ValueError(f"{name} must be one of {values}, not {fields[name]!r}")
    for name in ("safeguarding_referral", "commissioner_notified", "family_informed"):
        if name in fields and not isinstance(fields[name], bool):
            raise ValueError(f"{name} must be True or False, not {fields[name]!r}")


def _checked_factors(factors: Iterable[str]) -> set[str]:
    """Return the factors as a set, or raise ValueError naming the unknown ones."""
    wanted = set(factors)
    unknown = wanted - set(FACTORS)
    if unknown:
        raise ValueError(f"unknown contributing factors: {sorted(unknown)}")
    return wanted


def _set_factors(report: Report, wanted: set[str]) -> None:
    """Make the report's factors exactly these, touching only the rows that change."""
    # Keep the rows that stay, so the audit sees only real additions and removals.
    kept = [row for row in report.factors if row.factor in wanted]
    added = [ReportFactor(factor=f) for f in sorted(wanted - set(report.factor_names))]
    report.factors = sorted(kept + added, key=lambda row: row.factor)
