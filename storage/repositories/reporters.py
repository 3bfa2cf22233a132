"""The workers who report: team and language, under a pseudonymous key of their Telegram id."""

from __future__ import annotations

from enum import Enum
from typing import Final, Literal

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.identity import telegram_key
from storage.models import Reporter


class _Unset(Enum):
    """Marks an argument not given, since None is a value worth setting (clear language)."""

    UNSET = "UNSET"


UNSET: Final = _Unset.UNSET
Unset = Literal[_Unset.UNSET]


# Built once, asked every update: see storage/fsm.py on prebuilt statements.
_BY_KEY = select(Reporter).where(Reporter.telegram_key == bindparam("k"))


class ReporterRepository:
    """Reads and writes reporters."""

    def __init__(self, session: AsyncSession, *, identity_key: bytes = b"") -> None:
        self.session = session
        self.identity_key = identity_key

    def key_for(self, telegram_user_id: int) -> str:
        """The reporter key of a Telegram user (raises without an identity key)."""
        return telegram_key(self.identity_key, telegram_user_id)

    async def get(self, *, reporter_id: int) -> Reporter | None:
        """Return a reporter by id."""
        return await self.session.get(Reporter, reporter_id)

    async def get_by_telegram_id(self, *, telegram_user_id: int) -> Reporter | None:
        """Return the reporter with this Telegram user id."""
        return await self.session.scalar(_BY_KEY, {"k": self.key_for(telegram_user_id)})

    async def create(
        self,
        *,
        telegram_user_id: int,
        language: str | None = None,
    ) -> Reporter:
        """Create a reporter; only the key of the Telegram id is stored."""
        reporter = Reporter(telegram_key=self.key_for(telegram_user_id), language=language)
        self.session.add(reporter)
        await self.session.flush()
        return reporter

    async def update(
        self,
        reporter: Reporter,
        *,
        team_id: int | None | Unset = UNSET,
        language: str | None | Unset = UNSET,
    ) -> Reporter:
        """Change the given fields of a reporter; fields not passed are left alone."""
        fields = {"team_id": team_id, "language": language}
        for name, value in fields.items():
            if value is not UNSET:
                setattr(reporter, name, value)
        await self.session.flush()
        return reporter
