"""Who reported (kept apart from the report), escalation, retention, and data-rights records.

A report row never holds its reporter: named and confidential reports have one
ReportIdentity row, joined only for people allowed to see it; anonymous reports have none.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UTCDateTime, utcnow
from storage.models.reports import Report
from storage.models.teams import Team


class ReportIdentity(Base):
    """The Telegram identity behind a named or confidential report (none for anonymous)."""

    __tablename__ = "report_identities"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    # A private chat's id is its user's id: this is also where feedback is sent.
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    first_name: Mapped[str | None] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    report: Mapped[Report] = relationship(lazy="raise")

    def __repr__(self) -> str:  # no identity in reprs: they end up in logs
        return f"ReportIdentity(report_id={self.report_id!r})"


class TeamContact(Base):
    """An on-call or safeguarding contact told at once when a report is harm or safeguarding."""

    __tablename__ = "team_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(24))  # "on_call" or "safeguarding"
    telegram_user_id: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    team: Mapped[Team] = relationship(lazy="raise")

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"TeamContact(id={self.id!r}, team_id={self.team_id!r}, role={self.role!r})"


class Escalation(Base):
    """Someone was harmed or there is a safeguarding concern: raised the moment the worker says so.

    Raised from the draft (one per draft_key), before the rest of the report is written, so a
    worker who stops halfway still reaches the contacts; report_id is set once it is submitted.
    """

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    draft_key: Mapped[str] = mapped_column(String(64), unique=True)
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="SET NULL"), index=True
    )
    someone_harmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    safeguarding_concern: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(254))

    team: Mapped[Team] = relationship(lazy="raise")
    report: Mapped[Report | None] = relationship(lazy="raise")

    def __repr__(self) -> str:
        return f"Escalation(id={self.id!r}, team_id={self.team_id!r})"


class RetentionPolicy(Base):
    """The organisation's retention periods: one row (id 1), edited by administrators."""

    __tablename__ = "retention_policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Reporter identity (named and confidential) is erased this long after a report closes.
    identity_days_after_closure: Mapped[int] = mapped_column(Integer, default=90)
    # Reports are care records: deleted this long after they were submitted.
    report_years: Mapped[int] = mapped_column(Integer, default=8)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(254))

    def __repr__(self) -> str:
        return (f"RetentionPolicy(identity_days_after_closure="
                f"{self.identity_days_after_closure!r}, report_years={self.report_years!r})")


class RetentionRun(Base):
    """One day's run of the retention job, and what it did (one row per day, ever)."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_on: Mapped[date] = mapped_column(Date, unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    identities_erased: Mapped[int] = mapped_column(Integer, default=0)
    reports_deleted: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"RetentionRun(run_on={self.run_on!r})"


class PrivacyEvent(Base):
    """A data-rights or retention event: access, erasure, retention. Never edited.

    Never holds the subject's Telegram id, name or username: an erasure log that kept them
    would undo the erasure. It records who acted, what kind, and which reports.
    """

    __tablename__ = "privacy_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(254))  # admin email, "reporter (bot)", "retention"
    action: Mapped[str] = mapped_column(String(24))  # "access", "erasure", "retention"
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(Text)  # references, counts

    def __repr__(self) -> str:
        return f"PrivacyEvent(id={self.id!r}, action={self.action!r})"
