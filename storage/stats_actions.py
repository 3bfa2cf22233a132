"""What "actions completed" means, defined once for the dashboard and the governance report.

An action counts when it was agreed, due or completed in the period (unless marked "not
doing"); it is completed when it was done by the period's end. Actions belong to the
scope's teams through their report, whenever that report happened.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Action, Report
from storage.stats_results import ActionStats, StatsScope

_R = Report.__table__.c


def created_in(scope: StatsScope) -> ColumnElement[bool]:
    """Actions agreed in the period: created_at is a UTC timestamp, the period whole days."""
    clauses = []
    if scope.date_from is not None:
        clauses.append(Action.created_at >= datetime.combine(scope.date_from, time(), UTC))
    if scope.date_to is not None:
        end = datetime.combine(scope.date_to + timedelta(days=1), time(), UTC)
        clauses.append(Action.created_at < end)
    return and_(true(), *clauses)


def _between(column: Any, scope: StatsScope) -> ColumnElement[bool]:
    """A date column within the period's days (any date when the period is open)."""
    clauses = [column.is_not(None)]
    if scope.date_from is not None:
        clauses.append(column >= scope.date_from)
    if scope.date_to is not None:
        clauses.append(column <= scope.date_to)
    return and_(*clauses)


def counted_actions(scope: StatsScope) -> ColumnElement[bool]:
    """The actions "actions completed" is a share of: agreed, due or completed in the period.

    Actions marked "not doing" are left out. With no dates, every action counts.
    """
    return and_(Action.status != "not_doing",
                or_(created_in(scope), _between(Action.due_date, scope),
                    _between(Action.completed_date, scope)))


def completed_actions(scope: StatsScope) -> ColumnElement[bool]:
    """Actions completed: of the counted actions, those done by the end of the period.

    This one definition is what the dashboard's tile, the governance report's tile and
    its "Completed" list all show, so the numbers agree wherever a manager reads them.
    """
    done = Action.status == "done"
    if scope.date_to is not None:
        done = and_(done, or_(Action.completed_date.is_(None),
                              Action.completed_date <= scope.date_to))
    return and_(counted_actions(scope), done)


def on_teams(scope: StatsScope) -> ColumnElement[bool]:
    """Actions on reports of the scope's teams, whenever those reports happened."""
    if scope.team_ids is None:
        return true()
    # IN (subquery), not a join: SQLite collects the report ids once from the
    # (team_id, occurred_date) index instead of reading a report row per action.
    return Action.report_id.in_(select(_R.id).where(_R.team_id.in_(scope.team_ids)))


async def action_stats(session: AsyncSession, scope: StatsScope, *, today: date) -> ActionStats:
    """Count completed and counted actions (see completed_actions), and the overdue ones.

    Overdue ignores the dates of the scope (teams still apply): an open action past its
    due date is work to chase today, however long ago it was agreed.
    """
    def number(where: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((where, 1), else_=0)), 0)

    query = select(number(completed_actions(scope)), number(counted_actions(scope)),
                   number(and_(Action.status == "open", Action.due_date < today)))
    done, counted, overdue = (await session.execute(query.where(on_teams(scope)))).one()
    return ActionStats(done=int(done), counted=int(counted), overdue=int(overdue))
