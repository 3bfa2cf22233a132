"""Teams, their places, and the workers who report for them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE

from storage.models.base import Base, UTCDateTime, utcnow


class Team(Base):
    """A care team; workers join it with its code and report into it."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    # The weekly digest: day (0 = Monday) and hour in the organisation's time zone, language.
    digest_weekday: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    digest_hour: Mapped[int] = mapped_column(Integer, default=9, server_default="9")
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # When the digest day or hour last changed: moments before it are not sent late.
    digest_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # selectin: async sessions cannot lazy-load, and a team has only a handful of places.
    places: Mapped[list[Place]] = relationship(
        back_populates="team",
        order_by="[Place.position, Place.name]",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"Team(id={self.id!r}, name={self.name!r})"


class Place(Base):
    """A place a team works in (a house, a unit, a client's home), offered as a button."""

    __tablename__ = "places"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    team: Mapped[Team] = relationship(back_populates="places", lazy="raise")

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"Place(id={self.id!r}, team_id={self.team_id!r}, name={self.name!r})"


class Reporter(Base):
    """A worker's team and language, under a pseudonymous key (storage.identity).

    No Telegram id, name or username: those are stored only with a report the worker chose
    to put their name to (ReportIdentity), so an anonymous report leads back to nobody.
    """

    __tablename__ = "reporters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_key: Mapped[str] = mapped_column(String(64), unique=True)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    language: Mapped[str | None] = mapped_column(String(8))  # only an explicit /language choice
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    team: Mapped[Team | None] = relationship(lazy="raise")

    def __str__(self) -> str:
        return f"Reporter #{self.id}"

    def __repr__(self) -> str:
        return f"Reporter(id={self.id!r})"


def _schedule_changed(target: Team, value: object, oldvalue: object, initiator: object) -> None:
    """Note when an existing team's digest day or hour changes, whoever changes it."""
    if oldvalue in (NO_VALUE, NEVER_SET) or oldvalue == value or target.id is None:
        return
    target.digest_changed_at = utcnow()


for _attribute in (Team.digest_weekday, Team.digest_hour):
    event.listen(_attribute, "set", _schedule_changed)
