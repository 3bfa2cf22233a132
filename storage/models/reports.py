"""Near-miss reports, who was told about them, and the per-year reference counter."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Time,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UTCDateTime, utcnow
from storage.models.teams import Team


class Report(Base):
    """One submitted near-miss report."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_team_id_occurred_date", "team_id", "occurred_date"),
        # The admin list: its default order within a team's scope, and category + dates.
        Index("ix_reports_team_id_submitted_at", "team_id", "submitted_at"),
        Index("ix_reports_category_occurred_date", "category", "occurred_date"),
        # The dashboard over all teams: a period's rows read from the index alone (covering).
        Index("ix_reports_dashboard", "occurred_date", "team_id", "category", "place",
              "time_of_day", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    # Idempotency: a draft submitted twice (double tap, retried update) is stored once.
    draft_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Who reported lives in report_identities (storage.models.privacy), never here.
    confidentiality: Mapped[str] = mapped_column(String(16), default="named",
                                                 server_default="named")
    # "incident" when someone was harmed or there is a safeguarding concern (escalated).
    kind: Mapped[str] = mapped_column(String(16), default="near_miss", server_default="near_miss")
    someone_harmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    safeguarding_concern: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # RESTRICT: a team's reports are records to keep, so a team with reports cannot vanish.
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"))
    language: Mapped[str] = mapped_column(String(8))
    occurred_date: Mapped[date] = mapped_column(Date)
    occurred_time: Mapped[time | None] = mapped_column(Time)
    time_of_day: Mapped[str] = mapped_column(String(16))
    place: Mapped[str] = mapped_column(String(200))  # as chosen or typed, kept if the Place goes
    place_id: Mapped[int | None] = mapped_column(
        ForeignKey("places.id", ondelete="SET NULL"), index=True
    )
    category: Mapped[str] = mapped_column(String(40))
    what_happened: Mapped[str] = mapped_column(Text)
    how_prevented: Mapped[str] = mapped_column(Text)
    immediate_action: Mapped[str | None] = mapped_column(Text)
    suggestions: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24), default="new", index=True)
    # Curation by reviewers. The worker's own words above are never overwritten.
    severity: Mapped[str | None] = mapped_column(String(16))
    tier: Mapped[str | None] = mapped_column(String(16), index=True)
    safeguarding_referral: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    commissioner_notified: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    family_informed: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    review_what: Mapped[str | None] = mapped_column(Text)
    review_why: Mapped[str | None] = mapped_column(Text)
    review_conditions: Mapped[str | None] = mapped_column(Text)
    review_change: Mapped[str | None] = mapped_column(Text)
    redacted_summary: Mapped[str | None] = mapped_column(Text)
    # How it was prevented, in the reviewer's words without names: what bulletins may quote.
    redacted_prevented: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # The record's id in the spreadsheet or system it was imported from (None when filed here).
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # set when status: closed
    identity_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    told: Mapped[list[ReportTold]] = relationship(
        back_populates="report",
        order_by="ReportTold.party",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )
    factors: Mapped[list[ReportFactor]] = relationship(
        back_populates="report",
        order_by="ReportFactor.factor",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )
    team: Mapped[Team] = relationship(lazy="raise")

    @property
    def told_parties(self) -> list[str]:
        """Return the parties told about this report, as plain strings."""
        return [row.party for row in self.told]

    @property
    def factor_names(self) -> list[str]:
        """Return the contributing factors a reviewer recorded, as plain strings."""
        return [row.factor for row in self.factors]

    def __str__(self) -> str:
        return self.reference

    def __repr__(self) -> str:
        return f"Report(id={self.id!r}, reference={self.reference!r})"


class ReportTold(Base):
    """One party (manager, nurse, family...) told about a report."""

    __tablename__ = "report_told"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    party: Mapped[str] = mapped_column(String(32), primary_key=True)

    report: Mapped[Report] = relationship(back_populates="told", lazy="raise")

    def __repr__(self) -> str:
        return f"ReportTold(report_id={self.report_id!r}, party={self.party!r})"


class ReportFactor(Base):
    """One contributing factor (communication, staffing...) a reviewer found in a report."""

    __tablename__ = "report_factors"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    factor: Mapped[str] = mapped_column(String(32), primary_key=True)

    report: Mapped[Report] = relationship(back_populates="factors", lazy="raise")

    def __repr__(self) -> str:
        return f"ReportFactor(report_id={self.report_id!r}, factor={self.factor!r})"


class ReportVector(Base):
    """What a report says, as a vector of meaning (learning/embedding.py), and the model that
    made it: a vector from another model is not comparable and is rebuilt (reindex)."""

    __tablename__ = "report_vectors"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"),
                                           primary_key=True, autoincrement=False)
    model: Mapped[str] = mapped_column(String(80))
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian
    # When the vector was written: a pass that keeps vectors in memory re-reads one whose
    # made_at has changed (rebuilt, or its report's id reused after a deletion).
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReferenceCounter(Base):
    """The last reference number handed out in a year."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"ReferenceCounter(year={self.year!r}, last={self.last!r})"
