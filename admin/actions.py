"""An action as the admin handles it: in the user's teams or not, its owner, its re-audit."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from admin.roles import CurrentUser
from conversations import N_
from storage.models import Action, AdminUser, Report
from storage.repositories import ActionRepository, AdminUserRepository, ReportRepository

OWNER_LIMIT = 120  # the owner column's length


async def action_in_scope(session: AsyncSession, action_id: int,
                          user: CurrentUser) -> tuple[Action, Report]:
    """The action and its report; 404 (not 403) outside the user's teams, to reveal nothing."""
    action = await ActionRepository(session).get(action_id=action_id)
    report = await ReportRepository(session).get_by_id(
        report_id=action.report_id) if action else None
    if action is None or report is None or not user.sees_team(report.team_id):
        raise HTTPException(status_code=404)
    return action, report


async def owner_choices(session: AsyncSession,
                        team_ids: tuple[int, ...] | None) -> list[AdminUser]:
    """The users an action of these teams may be given to (None: any team)."""
    return await AdminUserRepository(session).action_owners(team_ids=team_ids)


async def owner_from_form(session: AsyncSession, form: FormData, *,
                          team_id: int) -> tuple[str, int | None] | None:
    """(owner's name, their user id) from a form: a user chosen from the list, else a name
    typed for someone outside the panel (no id); None when the form names nobody.

    ValueError when both are given, or the chosen user may not own this team's actions
    (they left, or work with another team).
    """
    chosen = str(form.get("owner_user_id") or "").strip()
    typed = str(form.get("owner") or "").strip()[:OWNER_LIMIT]
    if chosen and typed:
        raise ValueError(N_("Choose the owner from the list or type a name, not both."))
    if chosen:
        owners = await owner_choices(session, (team_id,))
        user = next((owner for owner in owners if str(owner.id) == chosen), None)
        if user is None:
            raise ValueError(N_("Choose the owner from the list, or type the name of "
                                "someone else."))
        return user.email[:OWNER_LIMIT], user.id
    return (typed, None) if typed else None
