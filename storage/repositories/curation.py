"""Improvement actions on reports, and the audit trail reviewers read back."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Action, AuditEntry, Report
from storage.repositories.reporters import UNSET, Unset
from storage.vocab import ACTION_STATUSES


class ActionRepository:
    """Reads and writes improvement actions; every change lands in the audit log."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(
        self,
        *,
        report_id: int,
        description: str,
        owner: str,
        due_date: date | None = None,
        owner_user_id: int | None = None,
        recheck_by: date | None = None,
    ) -> Action:
        """Agree a new open action on a report; owner is the owner's name or email."""
        action = Action(
            report_id=report_id,
            description=_required(description, "description"),
            owner=_required(owner, "owner"),
            owner_user_id=owner_user_id,
            due_date=due_date,
            recheck_by=recheck_by,
            status="open",
        )
        self.session.add(action)
        await self.session.flush()
        return action

    async def get(self, *, action_id: int) -> Action | None:
        """Return an action by id."""
        return await self.session.get(Action, action_id)

    async def list(self, *, report_id: int) -> builtins.list[Action]:
        """Return a report's actions in the order they were agreed."""
        query = select(Action).where(Action.report_id == report_id).order_by(Action.id)
        return list(await self.session.scalars(query))

    async def update(
        self,
        action: Action,
        *,
        today: date,
        description: str | Unset = UNSET,
        owner: str | Unset = UNSET,
        owner_user_id: int | None | Unset = UNSET,
        due_date: date | None | Unset = UNSET,
        status: str | Unset = UNSET,
        outcome_evidence: str | None | Unset = UNSET,
        completed_date: date | None | Unset = UNSET,
        recheck_by: date | None | Unset = UNSET,
    ) -> Action:
        """Change the given fields; an action done without a completed date is done today."""
        if status is not UNSET and status not in ACTION_STATUSES:
            raise ValueError(f"status must be one of {ACTION_STATUSES}, not {status!r}")
        if description is not UNSET:
            description = _required(description, "description")
        if owner is not UNSET:
            owner = _required(owner, "owner")
        fields: dict[str, Any] = {
            "description": description,
            "owner": owner,
            "owner_user_id": owner_user_id,
            "due_date": due_date,
            "status": status,
            "outcome_evidence": outcome_evidence,
            "completed_date": completed_date,
            "recheck_by": recheck_by,
        }
        for name, value in fields.items():
            if value is not UNSET:
                setattr(action, name, value)
        if action.status == "done" and action.completed_date is None:
            action.completed_date = today
        await self.session.flush()
        return action

    async def record_recheck(
        self, action: Action, *, outcome: str, by: str, now: datetime
    ) -> Action:
        """Record what the re-audit found (whether the change worked), when and by whom."""
        action.recheck_outcome = _required(outcome, "re-audit outcome")
        action.rechecked_at, action.rechecked_by = now, by
        await self.session.flush()
        return action

    async def overdue(
        self, *, today: date, team_ids: Sequence[int] | None = None
    ) -> builtins.list[Action]:
        """Return open actions due before today, most overdue first; team_ids=None is all."""
        query = (
            select(Action)
            .where(Action.status == "open", Action.due_date < today)
            .order_by(Action.due_date, Action.id)
        )
        if team_ids is not None:
            report_ids = select(Report.id).where(Report.team_id.in_(team_ids))
            query = query.where(Action.report_id.in_(report_ids))
        return list(await self.session.scalars(query))


class AuditRepository:
    """Reads the audit trail (entries are written by storage.audit, never here)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(self, *, report_id: int) -> builtins.list[AuditEntry]:
        """Return every entry about a report and its actions, oldest first."""
        query = (
            select(AuditEntry)
            .where(AuditEntry.report_id == report_id)
            .order_by(AuditEntry.at, AuditEntry.id)
        )
        return list(await self.session.scalars(query))


def _required(text: str, name: str) -> str:
    """Return text stripped, or raise ValueError if nothing is left."""
    stripped = text.strip()
    if not stripped:
        raise ValueError(f"an action needs a {name}")
    return stripped
