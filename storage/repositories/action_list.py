"""The action tracker's list: actions across teams, the urgent first, and re-audits due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Action, AdminUser, Report
from storage.schemas import ActionFilters


@dataclass(frozen=True)
class ActionRow:
    """One action as the tracker lists it, with its report and its owner's name."""

    action: Action
    reference: str
    team_id: int
    owner: str  # the owner's email when they are a user, else the name typed
    overdue: bool
    recheck_due: bool


def overdue(today: date) -> ColumnElement[bool]:
    """Open and past its due date."""
    return and_(Action.status == "open", Action.due_date < today)


def recheck_due(today: date) -> ColumnElement[bool]:
    """Done, its "check it worked by" date reached, and no outcome recorded yet."""
    return and_(Action.status == "done", Action.recheck_by <= today,
                Action.rechecked_at.is_(None))


class ActionListRepository:
    """Reads the tracker's rows; the caller narrows team_ids to what the user may see."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def search(self, filters: ActionFilters, *, today: date, page: int,
                     per_page: int) -> tuple[list[ActionRow], int]:
        """One page of matching actions and how many match in all.

        Overdue first (most overdue at the top), then open ones by due date (undated last),
        then finished ones, the most recently finished first.
        """
        where = _conditions(filters, today)
        total = await self.session.scalar(
            select(func.count(Action.id)).join(Report, Report.id == Action.report_id)
            .where(*where)) or 0
        bucket = case((overdue(today), 0), (Action.status == "open", 1), else_=2)
        query = (_rows(today).where(*where)
                 .order_by(bucket,
                           case((Action.status == "open", Action.due_date)).asc().nulls_last(),
                           Action.completed_date.desc().nulls_last(),
                           Action.updated_at.desc(), Action.id.desc())
                 .limit(per_page).offset((page - 1) * per_page))
        return [_row(found) for found in await self.session.execute(query)], total

    async def rechecks_due(self, *, team_ids: tuple[int, ...] | None, today: date,
                           owner_user_id: int | None = None) -> list[ActionRow]:
        """Re-audits to do now, the longest waiting first."""
        filters = ActionFilters(team_ids=team_ids, owner_user_id=owner_user_id,
                                status="recheck_due")
        query = (_rows(today).where(*_conditions(filters, today))
                 .order_by(Action.recheck_by, Action.id))
        return [_row(found) for found in await self.session.execute(query)]


def _rows(today: date) -> Select[Any]:
    owner = func.coalesce(AdminUser.email, Action.owner)
    return (select(Action, Report.reference, Report.team_id, owner, overdue(today),
                   recheck_due(today))
            .join(Report, Report.id == Action.report_id)
            .outerjoin(AdminUser, AdminUser.id == Action.owner_user_id))


def _conditions(filters: ActionFilters, today: date) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.team_ids is not None:
        where.append(Report.team_id.in_(filters.team_ids))
    if filters.owner_user_id is not None:
        where.append(Action.owner_user_id == filters.owner_user_id)
    if filters.status == "overdue":
        where.append(overdue(today))
    elif filters.status == "recheck_due":
        where.append(recheck_due(today))
    elif filters.status is not None:
        where.append(Action.status == filters.status)
    if filters.due_from is not None:
        where.append(Action.due_date >= filters.due_from)
    if filters.due_to is not None:
        where.append(Action.due_date <= filters.due_to)
    return where


def _row(found: Any) -> ActionRow:
    action, reference, team_id, owner, late, check = found
    return ActionRow(action=action, reference=reference, team_id=team_id, owner=owner,
                     overdue=bool(late), recheck_due=bool(check))
