"""The action tracker and My actions: the work list of agreed actions and re-audits due."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqladmin import BaseView, expose
from sqladmin.flash import flash
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin import labels, params
from admin.actions import action_in_scope, owner_choices
from admin.forms import TEXT_LIMIT, read_action_filters
from admin.roles import CurrentUser, require
from admin.services import Services, visible_teams
from conversations import N_
from storage.repositories import ActionListRepository, ActionRepository
from storage.vocab import ACTION_LIST_STATUSES

PER_PAGE = 50
# Where recording a re-audit returns to: the page whose form it was.
RETURN_PAGES = ("actions", "my-actions")


class _ActionPages(BaseView):
    """What both lists share: curators only, their own teams only (checked on the server)."""

    icon = "fa-solid fa-list-check"
    services: Services

    def is_accessible(self, request: Request) -> bool:
        user = getattr(request.state, "nearmiss_user", None)
        return isinstance(user, CurrentUser) and user.can("actions.manage")

    async def _list(self, request: Request, *, mine: bool) -> Response:
        user = require(request, "actions.manage")
        owner = user.id if mine else None
        filters, page = read_action_filters(request.query_params, user.scope,
                                            owner_user_id=owner)
        today = date.today()
        async with self.services.unit_of_work(user) as session:
            actions = ActionListRepository(session)
            rows, total = await actions.search(filters, today=today, page=page,
                                               per_page=PER_PAGE)
            rechecks = await actions.rechecks_due(team_ids=user.scope, today=today,
                                                  owner_user_id=owner)
            teams = await visible_teams(session, user)
            owners = [] if mine else await owner_choices(session, user.scope)
        title = N_("My actions") if mine else N_("Actions")
        return await self.templates.TemplateResponse(request, "nearmiss/actions.html", {
            "title": self.services.text(title), "mine": mine, "page_name": self.identity,
            "rows": rows, "total": total, "page": page,
            "pages": max(1, -(-total // PER_PAGE)), "rechecks": rechecks,
            "query": request.query_params, "teams": teams,
            "team_names": {team.id: team.name for team in teams}, "owners": owners,
            "statuses": ACTION_LIST_STATUSES, "labels": labels, "today": today})


class ActionsView(_ActionPages):
    """Every action of the user's teams, filtered by owner, status, team and due date."""

    name = "Actions"
    identity = "actions"

    @expose("/actions", methods=["GET"], identity="actions")
    async def tracker(self, request: Request) -> Response:
        return await self._list(request, mine=False)

    @expose("/actions/{action_id:int}/recheck", methods=["POST"], identity="action-recheck")
    async def record_recheck(self, request: Request) -> Response:
        """Record what the re-audit of a finished action found."""
        user = require(request, "actions.manage")
        form = await request.form()
        outcome = str(form.get("recheck_outcome") or "").strip()[:TEXT_LIMIT]
        async with self.services.unit_of_work(user) as session:
            action, report = await action_in_scope(
                session, params.record_id(request, "action_id"), user)
            if action.recheck_by is None:
                problem: str | None = N_("This action has no re-audit date.")
            elif not outcome:
                problem = N_("Write what the re-audit found before recording it.")
            else:
                problem = None
                await ActionRepository(session).record_recheck(
                    action, outcome=outcome, by=user.email, now=datetime.now(UTC))
        if problem:
            flash(request, self.services.text(problem), category="error")
        else:
            flash(request, self.services.text(N_("Re-audit recorded.")), category="success")
        return _back(request, form.get("back"), report.id)


class MyActionsView(_ActionPages):
    """The actions whose owner is the person signed in, and their re-audits due."""

    name = "My actions"
    identity = "my-actions"

    @expose("/actions/mine", methods=["GET"], identity="my-actions")
    async def mine(self, request: Request) -> Response:
        return await self._list(request, mine=True)


def _back(request: Request, page: Any, report_id: int) -> RedirectResponse:
    """To the list the form was on, or else to the report's page (never a URL from the form)."""
    if page in RETURN_PAGES:
        url = request.url_for(f"admin:view-{page}")
    else:
        url = request.url_for("admin:view-report", report_id=report_id)
    return RedirectResponse(url, status_code=303)
