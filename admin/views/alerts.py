"""Pattern alerts: similar near misses repeating, with their reports, for reviewers to notice,
name and acknowledge.

Every role may read the page; storage/repositories/alert_views.py decides which alerts and
which of their reports each reader sees. The label is made of the workers' words (redacted),
so it is shown only to those who may read those words; a viewer sees the reviewer's title.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqladmin import BaseView, expose
from sqladmin.flash import flash
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin import labels, params
from admin.alert_words import scope_words
from admin.exports import alerts_csv
from admin.places import place_names
from admin.roles import CurrentUser, require
from admin.services import Services
from conversations import N_
from storage.repositories import CategoryRepository, TeamRepository
from storage.repositories.alert_views import TITLE_LIMIT, AlertView, AlertViewRepository

PER_PAGE = 20


class AlertsView(BaseView):
    """The alerts list, one alert, its title and acknowledgement, and the CSV."""

    name = "Alerts"
    identity = "alerts"
    icon = "fa-solid fa-triangle-exclamation"
    services: Services

    def is_accessible(self, request: Request) -> bool:
        user = getattr(request.state, "nearmiss_user", None)
        return isinstance(user, CurrentUser) and user.can("reports.read")

    @expose("/alerts", methods=["GET"], identity="alerts")
    async def list_page(self, request: Request) -> Response:
        user = require(request, "reports.read")
        page = params.page_number(request.query_params)
        async with self.services.unit_of_work(user) as session:
            views, total = await AlertViewRepository(session).page(
                team_ids=user.scope, page=page, per_page=PER_PAGE)
            context = await self._context(session, user, views)
        return await self.templates.TemplateResponse(request, "nearmiss/alerts.html", {
            **context, "title": self.services.text("Alerts"), "page": page,
            "pages": max(1, -(-total // PER_PAGE)), "total": total, "single": False})

    @expose("/alerts/{alert_id:int}", methods=["GET"], identity="alert")
    async def alert_page(self, request: Request) -> Response:
        user = require(request, "reports.read")
        async with self.services.unit_of_work(user) as session:
            view = await self._visible(session, request, user)
            context = await self._context(session, user, [view])
        return await self.templates.TemplateResponse(request, "nearmiss/alerts.html", {
            **context, "title": self.services.text(N_("Alert {number}"), number=view.alert.id),
            "page": 1, "pages": 1, "total": 1, "single": True})

    @expose("/alerts.csv", methods=["GET"], identity="alerts-csv")
    async def export_csv(self, request: Request) -> Response:
        user = require(request, "export.csv")
        async with self.services.unit_of_work(user) as session:
            views = await AlertViewRepository(session).every(team_ids=user.scope)
            teams = {team.id: team.name for team in await TeamRepository(session).list()}
        return Response(alerts_csv(views, team_names=teams),
                        media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="nearmiss-alerts-{date.today()}.csv"'})

    @expose("/alerts/{alert_id:int}/acknowledge", methods=["POST"],
            identity="alert-acknowledge")
    async def acknowledge(self, request: Request) -> Response:
        user = require(request, "reports.curate")
        async with self.services.unit_of_work(user) as session:
            view = await self._visible(session, request, user)
            await AlertViewRepository(session).acknowledge(view.alert, by=user.email)
        return _back(request)

    @expose("/alerts/{alert_id:int}/title", methods=["POST"], identity="alert-title")
    async def set_title(self, request: Request) -> Response:
        user = require(request, "reports.curate")
        form = await request.form()
        title = params.searchable(str(form.get("title", "")))
        async with self.services.unit_of_work(user) as session:
            view = await self._visible(session, request, user)
            await AlertViewRepository(session).set_title(view.alert, title=title, by=user.email)
        flash(request, self.services.text(N_("Title saved.")), category="success")
        return _back(request)

    async def _visible(self, session: Any, request: Request, user: CurrentUser) -> AlertView:
        """The alert in the path; 404 when it does not exist or the user may not see it."""
        view = await AlertViewRepository(session).one(
            alert_id=params.record_id(request, "alert_id"), team_ids=user.scope)
        if view is None:
            raise HTTPException(status_code=404)
        return view

    async def _context(self, session: Any, user: CurrentUser,
                       views: list[AlertView]) -> dict[str, Any]:
        text = self.services.text
        teams = {team.id: team.name for team in await TeamRepository(session).list()}
        places = await place_names(session, user, text)
        names = {c.key: c.name for c in await CategoryRepository(session).list(active_only=False)}
        words = user.can("reports.words")
        return {"views": views, "teams": teams, "user": user, "title_limit": TITLE_LIMIT,
                "scopes": {v.alert.id: scope_words(v, teams=teams, places=places, gettext=text)
                           for v in views},
                "categories": {m.category: self._category(m.category, names)
                               for v in views for m in v.members},
                "show_label": words, "curator": user.can("reports.curate"),
                "can_export": user.can("export.csv")}

    def _category(self, key: str, names: dict[str, str]) -> str:
        msgid = labels.CATEGORY.get(key)
        return self.services.text(msgid) if msgid else names.get(key, key)


def _back(request: Request) -> RedirectResponse:
    """Back to the page the form was on (one alert or the list), never to another site."""
    alert_id = params.record_id(request, "alert_id")
    target = request.url_for("admin:view-alerts")
    if request.query_params.get("back") == "alert":
        target = request.url_for("admin:view-alert", alert_id=alert_id)
    return RedirectResponse(f"{target}#alert-{alert_id}", status_code=303)
