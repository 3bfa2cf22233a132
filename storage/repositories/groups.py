"""Team group chats: one-time link codes and the links bulletins may go to."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import GroupLink, LinkCode, OutboxMessage
from storage.repositories.teams import new_join_code, normalise_code
from storage.written import changed_rows

LINK_CODE_VALID_FOR = timedelta(days=7)
_CODE_ATTEMPTS = 10
_MAX_CODE_LENGTH = 16  # LinkCode.code's column; anything longer cannot match


class GroupRepository:
    """Reads and writes link codes and group links."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create_code(self, *, team_id: int, created_by: str, now: datetime,
                          valid_for: timedelta = LINK_CODE_VALID_FOR) -> LinkCode:
        """Make a one-time code that links a group chat to the team until it expires."""
        code = LinkCode(team_id=team_id, code=await self._unused_code(), created_by=created_by,
                        created_at=now, expires_at=now + valid_for)
        self.session.add(code)
        await self.session.flush()
        return code

    async def use_code(self, *, code: str, chat_id: int, now: datetime) -> LinkCode | None:
        """Spend a valid, unused, unexpired code for a chat; None when it cannot be used."""
        normalised = normalise_code(code[:64])
        if not normalised or len(normalised) > _MAX_CODE_LENGTH:
            return None
        # One conditional UPDATE, so two groups racing for the same code cannot both win.
        spent = await self.session.execute(
            update(LinkCode)
            .where(LinkCode.code == normalised, LinkCode.used_at.is_(None),
                   LinkCode.expires_at > now)
            .values(used_at=now, used_chat_id=chat_id)
            .execution_options(synchronize_session=False))
        if changed_rows(spent) != 1:
            return None
        row = await self.session.scalar(select(LinkCode).where(LinkCode.code == normalised))
        if row is not None:
            await self.session.refresh(row)
        return row

    async def link(self, *, team_id: int, chat_id: int, title: str, linked_by: int,
                   now: datetime) -> GroupLink:
        """Link a chat to a team; a chat linked before is reactivated, perhaps for another team."""
        link = await self.get(chat_id=chat_id)
        if link is None:
            link = GroupLink(chat_id=chat_id)
            self.session.add(link)
        link.team_id, link.title, link.linked_by = team_id, title[:255], linked_by
        link.linked_at, link.active = now, True
        link.deactivated_at = link.deactivated_reason = None
        await self.session.flush()
        return link

    async def open_codes(self, *, now: datetime) -> builtins.list[LinkCode]:
        """Codes made and not yet used or expired, oldest first."""
        query = (select(LinkCode).where(LinkCode.used_at.is_(None), LinkCode.expires_at > now)
                 .order_by(LinkCode.created_at, LinkCode.id))
        return list(await self.session.scalars(query))

    async def cancel_code(self, *, code_id: int, now: datetime) -> LinkCode | None:
        """Make an unused code unusable at once (it expires now); None if there is none."""
        code = await self.session.get(LinkCode, code_id)
        if code is None or code.used_at is not None or code.expires_at <= now:
            return None
        code.expires_at = now
        await self.session.flush()
        return code

    async def get_by_id(self, *, link_id: int) -> GroupLink | None:
        """Return a link by its id."""
        return await self.session.get(GroupLink, link_id)

    async def get(self, *, chat_id: int) -> GroupLink | None:
        """Return a chat's link, active or not."""
        return await self.session.scalar(select(GroupLink).where(GroupLink.chat_id == chat_id))

    async def move(self, *, chat_id: int, to_chat_id: int) -> GroupLink | None:
        """Follow a group upgraded to a supergroup (a new chat id): the link, and the messages
        still waiting for it, move to the new id. None when the old chat was not linked."""
        link = await self.get(chat_id=chat_id)
        if link is None or link.chat_id == to_chat_id:
            return None
        if await self.get(chat_id=to_chat_id) is not None:
            return None  # the supergroup was linked on its own already: that link stands
        link.chat_id = to_chat_id
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.is_group.is_(True),
                   OutboxMessage.status == "pending")
            .values(chat_id=to_chat_id))
        await self.session.flush()
        return link

    async def deactivate(self, *, chat_id: int, reason: str, now: datetime) -> GroupLink | None:
        """Stop sending to a chat; returns the link it ended, or None when none was active."""
        link = await self.get(chat_id=chat_id)
        if link is None or not link.active:
            return None
        link.active, link.deactivated_at, link.deactivated_reason = False, now, reason[:64]
        await self.session.flush()
        return link

    async def active_for_teams(self, *,
                               team_ids: Sequence[int] | None) -> builtins.list[GroupLink]:
        """Return the active links of these teams (None: of every team)."""
        query = select(GroupLink).where(GroupLink.active.is_(True))
        if team_ids is not None:
            query = query.where(GroupLink.team_id.in_(list(team_ids)))
        return list(await self.session.scalars(query.order_by(GroupLink.team_id, GroupLink.id)))

    async def list(self, *, team_id: int | None = None) -> builtins.list[GroupLink]:
        """Return every link, active or not, of one team or all, newest first per team."""
        query = select(GroupLink)
        if team_id is not None:
            query = query.where(GroupLink.team_id == team_id)
        query = query.order_by(GroupLink.team_id, GroupLink.linked_at.desc(), GroupLink.id)
        return list(await self.session.scalars(query))

    async def _unused_code(self) -> str:
        """Return a code no link code has yet."""
        for _ in range(_CODE_ATTEMPTS):
            code = new_join_code()
            if await self.session.scalar(select(LinkCode.id).where(LinkCode.code == code)) is None:
                return code
        raise RuntimeError("could not find an unused link code")  # 31**8 codes: never expected
