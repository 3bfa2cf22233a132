"""People who use the admin panel, their role, the teams a reviewer or viewer may see, and
the failed sign-ins that throttle guessing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UTCDateTime, utcnow
from storage.models.teams import Team
from storage.vocab import ROLES

__all__ = ["ROLES", "AdminUser", "Category", "SignInFailure", "admin_user_teams"]

# Changing any of these ends the person's sessions everywhere (see _end_sessions).
SESSION_ENDING = ("password_hash", "role", "active")

admin_user_teams = Table(
    "admin_user_teams",
    Base.metadata,
    Column("user_id", ForeignKey("admin_users.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)


class AdminUser(Base):
    """An administrator, reviewer or viewer of the admin panel."""

    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # In the signed session cookie; a cookie with an older number no longer signs in.
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    # Two-factor sign-in: the base32 TOTP secret once enrolled, and the time step of the last
    # code accepted, so one code signs in once.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    teams: Mapped[list[Team]] = relationship(secondary=admin_user_teams, lazy="selectin",
                                             order_by="Team.name")

    def __str__(self) -> str:
        return self.email

    def __repr__(self) -> str:
        return f"AdminUser(id={self.id!r}, email={self.email!r}, role={self.role!r})"


@event.listens_for(AdminUser, "before_update")
def _end_sessions(mapper: Any, connection: Any, user: AdminUser) -> None:
    """A new password, role or active flag ends every session the person has open: their
    cookies carry the old session_version. Whatever path made the change (the Users page, a
    repository, a script), the flush catches it."""
    attrs = inspect(user).attrs
    if any(attrs[name].history.has_changes() for name in SESSION_ENDING):
        user.session_version = (user.session_version or 0) + 1


class SignInFailure(Base):
    """One failed sign-in: the address tried and the client it came from. Counted to
    throttle guessing and listed for administrators; kept a day."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_email_client", "email", "client", "failed_at"),
                      Index("ix_sign_in_failures_client", "client", "failed_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    client: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Category(Base):
    """A near-miss category offered to workers as a button; admins add and retire them."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self) -> str:
        return self.name
