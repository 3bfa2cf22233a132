"""What reviewers add around a report: improvement actions and the audit trail of changes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UTCDateTime, utcnow
from storage.models.reports import Report
from storage.vocab import ACTION_STATUSES

__all__ = ["ACTION_STATUSES", "Action", "AuditEntry"]


class Action(Base):
    """An improvement action agreed on a report, tracked until it is done and checked.

    The owner is an admin user when one was chosen (owner then holds their email as it was,
    for lists that outlive the account); older or outside owners are free text only. A
    re-audit date ("check it worked by") asks for a later check whose outcome is recorded.
    """

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_status_due_date", "status", "due_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(120))
    owner_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("admin_users.id", ondelete="SET NULL"), index=True
    )
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    outcome_evidence: Mapped[str | None] = mapped_column(Text)  # what changed, re-audit result
    completed_date: Mapped[date | None] = mapped_column(Date)
    recheck_by: Mapped[date | None] = mapped_column(Date)  # "check it worked by"
    recheck_outcome: Mapped[str | None] = mapped_column(Text)
    rechecked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rechecked_by: Mapped[str | None] = mapped_column(String(254))  # email at the time
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    report: Mapped[Report] = relationship(lazy="raise")

    def __repr__(self) -> str:
        return f"Action(id={self.id!r}, report_id={self.report_id!r}, status={self.status!r})"


class AuditEntry(Base):
    """One changed field of a report or action: who, when, before and after. Never edited."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The actor's email as it was at the time: the trail must outlive the account.
    actor: Mapped[str] = mapped_column(String(254))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    entity: Mapped[str] = mapped_column(String(16))  # "report" or "action"
    entity_id: Mapped[int] = mapped_column(Integer)
    report_id: Mapped[int] = mapped_column(Integer, index=True)
    field: Mapped[str] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"AuditEntry(id={self.id!r}, entity={self.entity!r}, field={self.field!r})"
