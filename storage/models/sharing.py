"""Learning that travels back: team group chats, bulletins, and the durable outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UTCDateTime, utcnow
from storage.models.teams import Team

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")


class LinkCode(Base):
    """A one-time code an admin makes so a team lead can link a group chat with /link."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_chat_id: Mapped[int | None] = mapped_column(BigInteger)


class GroupLink(Base):
    """A Telegram group chat linked to a team: the only chats bulletins may go to."""

    __tablename__ = "group_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str] = mapped_column(String(255))
    linked_by: Mapped[int] = mapped_column(BigInteger)  # the group admin's Telegram id
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deactivated_reason: Mapped[str | None] = mapped_column(String(64))  # unlink, removed, 403


class OutboxMessage(Base):
    """One message to one chat, written durably before any attempt to send it."""

    __tablename__ = "outbox"
    __table_args__ = (
        # A fan-out written twice (a retried approval) still yields one row per chat and part.
        UniqueConstraint("batch", "chat_id", "part"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch: Mapped[str] = mapped_column(String(64))  # e.g. "bulletin:12", "digest:3:2026-W47"
    kind: Mapped[str] = mapped_column(String(16))  # bulletin, digest, alert, feedback, escalation
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    is_group: Mapped[bool] = mapped_column(Boolean, default=True)
    part: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)  # Telegram HTML, at most 4,096 characters shown
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


BULLETIN_TARGETS = ("team", "teams", "all")


class Bulletin(Base):
    """A learning flash a reviewer drafts from a curated report and approves for sending."""

    __tablename__ = "bulletins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # plain text as the reviewer wrote it; escaped later
    target: Mapped[str] = mapped_column(String(8), default="team")  # team, teams, all
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft, approved
    created_by: Mapped[str] = mapped_column(String(254))
    approved_by: Mapped[str | None] = mapped_column(String(254))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    teams: Mapped[list[Team]] = relationship(secondary="bulletin_teams", lazy="selectin",
                                             order_by="Team.name")

    @property
    def batch(self) -> str:
        """The outbox batch of this bulletin's fan-out."""
        return f"bulletin:{self.id}"


bulletin_teams = Table(
    "bulletin_teams",
    Base.metadata,
    Column("bulletin_id", ForeignKey("bulletins.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)


class DigestRun(Base):
    """One team's digest for one period: the row that makes each digest happen exactly once."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("team_id", "period_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    # False: the moment passed before the team or its schedule existed, or far too long ago;
    # recorded so it is never looked at again, and the next digest covers its reports.
    sent: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PatternAlert(Base):
    """Similar near misses repeating: reports whose words say the same thing, within a window.

    Its scope says where they repeat: at one place, across one team's places and categories,
    across teams (the organisation), or at one hour of the day across places (time). Its
    members are listed in pattern_alert_reports; the alert grows as similar reports join and
    its audience hears of it once (announced_at)."""

    __tablename__ = "pattern_alerts"
    __table_args__ = (UniqueConstraint("scope", "first_report_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))  # place, team, organisation or time
    # The team of a place or team alert; None across teams.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"),
                                                index=True)
    place: Mapped[str] = mapped_column(String(200), default="", server_default="")
    hour: Mapped[int | None] = mapped_column(Integer)  # the hour of a time alert (0-23)
    first_report_id: Mapped[int] = mapped_column(Integer)  # identifies the cluster: alert once
    report_count: Mapped[int] = mapped_column(Integer)
    first_date: Mapped[datetime] = mapped_column(UTCDateTime())
    last_date: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Words the members share, from their redacted text: for reviewers, never sent to groups.
    label: Mapped[str] = mapped_column(Text, default="", server_default="")
    # A reviewer's title for the cluster: the only words of it a team's group may hear.
    title: Mapped[str | None] = mapped_column(Text)
    title_by: Mapped[str | None] = mapped_column(String(254))
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(254))


class PatternAlertReport(Base):
    """One report's membership of one alert's cluster."""

    __tablename__ = "pattern_alert_reports"

    alert_id: Mapped[int] = mapped_column(ForeignKey("pattern_alerts.id", ondelete="CASCADE"),
                                          primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"),
                                           primary_key=True, index=True)


class PatternCheck(Base):
    """A stored report the pattern pass (bot/patterns.py) has still to look at: queued in the
    report's own transaction, gone in the pass's once its alerts are recorded."""

    __tablename__ = "pattern_checks"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"),
                                           primary_key=True, autoincrement=False)
    # False for imported history: its alerts are recorded but no group hears of them.
    announce: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
