"""Escalations: someone harmed or a safeguarding concern, told to the team's contacts at once.

An escalation is raised from the draft, the moment the worker answers, so the contacts hear
even if the report is never finished. It is raised once per draft (draft_key is unique): a
double tap, a retried update or a restart finds the first one. Its messages go through the
durable outbox like every other message, one private row per active contact, so a contact
who cannot be reached shows as a failed row instead of vanishing.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Escalation, TeamContact
from storage.repositories.outbox import OutboxRepository

# Built once, asked at every submission: see storage/fsm.py on prebuilt statements.
_BY_DRAFT = select(Escalation).where(Escalation.draft_key == bindparam("draft"))

Compose = Callable[[Escalation], str]  # the message (Telegram HTML) for an escalation


@dataclass(frozen=True)
class Raised:
    """An escalation, whether this call raised it, and the contacts its message went to."""

    escalation: Escalation
    new: bool
    contacts: tuple[TeamContact, ...]


class EscalationRepository:
    """Raises escalations and queues their messages; the caller commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, *, draft_key: str) -> Escalation | None:
        """Return the escalation a draft raised, if any."""
        return await self.session.scalar(_BY_DRAFT, {"draft": draft_key})

    async def contacts(self, *, team_id: int) -> builtins.list[TeamContact]:
        """Return a team's active on-call and safeguarding contacts."""
        query = (select(TeamContact)
                 .where(TeamContact.team_id == team_id, TeamContact.active.is_(True))
                 .order_by(TeamContact.role, TeamContact.id))
        return list(await self.session.scalars(query))

    async def create(self, *, draft_key: str, team_id: int, someone_harmed: bool,
                     safeguarding_concern: bool, now: datetime, compose: Compose) -> Raised:
        """Raise a draft's escalation and queue its message to each active contact, once."""
        contacts = tuple(await self.contacts(team_id=team_id))
        existing = await self.get(draft_key=draft_key)
        if existing is not None:
            return Raised(existing, False, contacts)
        escalation = Escalation(team_id=team_id, draft_key=draft_key, created_at=now,
                                someone_harmed=someone_harmed,
                                safeguarding_concern=safeguarding_concern)
        try:
            # A savepoint: a concurrent raise of the same draft wins, and this one reads it.
            async with self.session.begin_nested():
                self.session.add(escalation)
                await self.session.flush()
        except IntegrityError:
            existing = await self.get(draft_key=draft_key)
            if existing is None:
                raise
            return Raised(existing, False, contacts)
        await self._tell(contacts, batch=f"escalation:{escalation.id}",
                         text=compose(escalation))
        return Raised(escalation, True, contacts)

    async def attach_report(self, escalation: Escalation, *, report_id: int,
                            compose: Compose) -> None:
        """Link the submitted report and queue its reference to the contacts, once."""
        escalation.report_id = report_id
        await self.session.flush()
        contacts = await self.contacts(team_id=escalation.team_id)
        await self._tell(contacts, batch=f"escalation:{escalation.id}:report",
                         text=compose(escalation))

    async def _tell(self, contacts: tuple[TeamContact, ...] | builtins.list[TeamContact], *,
                    batch: str, text: str) -> None:
        # Insert-or-ignore per (batch, chat): a second call queues nothing new.
        await OutboxRepository(self.session).enqueue(
            batch=batch, kind="escalation",
            messages=[(chat_id, False, text)
                      for chat_id in dict.fromkeys(c.telegram_user_id for c in contacts)])
