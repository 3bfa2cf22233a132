"""The workers who report: team and language, under a pseudonymous key of their Telegram id."""

from __future__ import annotations

from dataclasses import replace
from enum import Enum
from typing import Any, Final, Literal

from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import hot
from storage.identity import telegram_key
from storage.models import Reporter, utcnow
from storage.schemas import ReporterRow


class _Unset(Enum):
    """Marks an argument not given, since None is a value worth setting (clear language)."""

    UNSET = "UNSET"


UNSET: Final = _Unset.UNSET
Unset = Literal[_Unset.UNSET]


# Plain columns, not the ORM: the bot reads a reporter every update, and loading an ORM object
# (its row processors are set up anew for each query) was among an update's largest costs
# under load. Built once: see storage/fsm.py.
_REPORTERS = Reporter.__table__
COLUMNS = (_REPORTERS.c.id, _REPORTERS.c.team_id, _REPORTERS.c.language,
           _REPORTERS.c.created_at)  # a ReporterRow's, in its order
BY_KEY = hot.Hot(select(*COLUMNS).where(_REPORTERS.c.telegram_key == bindparam("k")))
_BY_ID = select(*COLUMNS).where(_REPORTERS.c.id == bindparam("id"))
_CREATE = hot.Hot(insert(_REPORTERS).values(
    telegram_key=bindparam("k"), language=bindparam("language"),
    created_at=bindparam("now"), updated_at=bindparam("now")).returning(_REPORTERS.c.id))
_CHANGEABLE = ("team_id", "language")
# One UPDATE for each set of fields a change may name (only those are written), and the time.
_UPDATES: dict[tuple[str, ...], hot.Hot] = {
    names: hot.Hot(update(_REPORTERS).where(_REPORTERS.c.id == bindparam("reporter"))
                   .values({name: bindparam(name) for name in (*names, "updated_at")}))
    for names in (("team_id",), ("language",), _CHANGEABLE)}


class ReporterRepository:
    """Reads and writes reporters, as plain `ReporterRow`s."""

    def __init__(self, session: AsyncSession, *, identity_key: bytes = b"") -> None:
        self.session = session
        self.identity_key = identity_key

    def key_for(self, telegram_user_id: int) -> str:
        """The reporter key of a Telegram user (raises without an identity key)."""
        return telegram_key(self.identity_key, telegram_user_id)

    async def get(self, *, reporter_id: int) -> ReporterRow | None:
        """Return a reporter by id."""
        return _row((await self.session.execute(_BY_ID, {"id": reporter_id})).first())

    async def get_by_telegram_id(self, *, telegram_user_id: int) -> ReporterRow | None:
        """Return the reporter with this Telegram user id."""
        key = self.key_for(telegram_user_id)
        return _row(await hot.first(self.session, BY_KEY, {"k": key}))

    async def create(
        self,
        *,
        telegram_user_id: int,
        language: str | None = None,
    ) -> ReporterRow:
        """Create a reporter; only the key of the Telegram id is stored."""
        now = utcnow()
        [(reporter_id,)] = await hot.write(self.session, _CREATE, {
            "k": self.key_for(telegram_user_id), "language": language, "now": now})
        return ReporterRow(id=reporter_id, team_id=None, language=language, created_at=now)

    async def update(
        self,
        reporter: ReporterRow,
        *,
        team_id: int | None | Unset = UNSET,
        language: str | None | Unset = UNSET,
    ) -> ReporterRow:
        """Change the given fields of a reporter; fields not passed are left alone. The
        reporter as it now is. In a bot update the change is written with the update's other
        writes, at its commit (hot.write_later): nothing in an update reads its reporter
        back."""
        params: dict[str, object] = {"reporter": reporter.id, "updated_at": utcnow()}
        if team_id is not UNSET:
            params["team_id"] = team_id
        if language is not UNSET:
            params["language"] = language
        changed = tuple(name for name in _CHANGEABLE if name in params)
        if not changed:
            return reporter
        await hot.write_later(self.session, _UPDATES[changed], params)
        return replace(reporter, team_id=reporter.team_id if team_id is UNSET else team_id,
                       language=reporter.language if language is UNSET else language)


def _row(row: Row[Any] | tuple[Any, ...] | None) -> ReporterRow | None:
    if row is None:
        return None
    reporter_id, team_id, language, created_at = row
    return ReporterRow(id=reporter_id, team_id=team_id, language=language,
                       created_at=created_at)
