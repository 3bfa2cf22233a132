"""Learning bulletins: drafted, edited, approved; their fan-out lives in the outbox."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import BULLETIN_TARGETS, Bulletin, Report, Team


class BulletinRepository:
    """Bulletins around one session; the caller commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, *, report_id: int | None, title: str, body: str,
                     created_by: str, team_ids: Sequence[int] = ()) -> Bulletin:
        """Store a draft aimed at the given teams (the report's team, to begin with)."""
        bulletin = Bulletin(report_id=report_id, title=title, body=body, target="team",
                            status="draft", created_by=created_by)
        bulletin.teams = await self._teams(team_ids)
        self.session.add(bulletin)
        await self.session.flush()
        return bulletin

    async def get(self, *, bulletin_id: int) -> Bulletin | None:
        """Return a bulletin by id."""
        return await self.session.get(Bulletin, bulletin_id)

    async def list(self, *, team_ids: Sequence[int] | None = None,
                   limit: int = 100) -> builtins.list[Bulletin]:
        """Newest first; with team_ids, only bulletins about reports of those teams."""
        query = select(Bulletin).order_by(Bulletin.created_at.desc(), Bulletin.id.desc())
        if team_ids is not None:
            query = query.join(Report, Report.id == Bulletin.report_id).where(
                Report.team_id.in_(team_ids))
        return builtins.list((await self.session.scalars(query.limit(limit))).all())

    async def update(self, bulletin: Bulletin, *, title: str, body: str, target: str,
                     team_ids: Sequence[int]) -> Bulletin:
        """Change a draft; an approved bulletin has been sent and stays as it was."""
        if bulletin.status != "draft":
            raise ValueError("an approved bulletin cannot be changed")
        if target not in BULLETIN_TARGETS:
            raise ValueError(f"unknown target {target!r}")
        bulletin.title, bulletin.body, bulletin.target = title, body, target
        bulletin.teams = await self._teams(team_ids)
        await self.session.flush()
        return bulletin

    async def approve(self, bulletin: Bulletin, *, approved_by: str, now: datetime) -> Bulletin:
        """Mark a draft approved (the caller then writes its outbox rows)."""
        if bulletin.status != "draft":
            raise ValueError("this bulletin is already approved")
        bulletin.status, bulletin.approved_by, bulletin.approved_at = "approved", approved_by, now
        await self.session.flush()
        return bulletin

    async def _teams(self, team_ids: Sequence[int]) -> builtins.list[Team]:
        if not team_ids:
            return []
        return builtins.list((await self.session.scalars(
            select(Team).where(Team.id.in_(team_ids)).order_by(Team.name))).all())
