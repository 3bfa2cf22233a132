"""What the admin's views need from the rest of the system, handed in by create_app()."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.governance_pdf import GovernancePdfs
from admin.i18n import AdminText
from admin.roles import CurrentUser
from core.settings import Settings
from storage.models import Team
from storage.repositories import TeamRepository


@dataclass(frozen=True)
class Services:
    """Settings, the session factory, gettext and the PDF queue, shared by every admin view."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    text: AdminText
    pdfs: GovernancePdfs

    @asynccontextmanager
    async def unit_of_work(self, user: CurrentUser) -> AsyncIterator[AsyncSession]:
        """One transaction on behalf of `user`, committed in one place when the block ends."""
        async with self.sessionmaker() as session:
            session.info["actor"] = (user.id, user.email)
            yield session
            await session.commit()


async def visible_teams(session: AsyncSession, user: CurrentUser) -> list[Team]:
    """The teams this user may see, by name (every team for an administrator)."""
    return [team for team in await TeamRepository(session).list() if user.sees_team(team.id)]


def bind(view: type[Any], services: Services) -> type[Any]:
    """A subclass of `view` that knows this app's services (views are classes in SQLAdmin)."""
    return type(view.__name__, (view,), {"services": services})
