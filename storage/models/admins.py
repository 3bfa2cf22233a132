"""People who use the admin panel, their role, and the teams a reviewer or viewer may see."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UTCDateTime, utcnow
from storage.models.teams import Team
from storage.vocab import ROLES

__all__ = ["ROLES", "AdminUser", "Category", "admin_user_teams"]

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
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    teams: Mapped[list[Team]] = relationship(secondary=admin_user_teams, lazy="selectin",
                                             order_by="Team.name")

    def __str__(self) -> str:
        return self.email

    def __repr__(self) -> str:
        return f"AdminUser(id={self.id!r}, email={self.email!r}, role={self.role!r})"


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
