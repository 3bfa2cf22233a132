"""Pattern alerts: similar near misses repeating, for reviewers to notice and acknowledge."""

from __future__ import annotations

from typing import Any

from sqladmin import BaseView, expose
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin import params
from admin.places import PlaceNames, place_names
from admin.roles import CurrentUser, require
from admin.services import Services
from conversations import N_
from storage.models import PatternAlert
from storage.repositories import PatternRepository, TeamRepository

SCOPES = {"place": N_("At one place"), "team": N_("Across a team's places"),
          "organisation": N_("Across teams"), "time": N_("At one time of day")}


class AlertsView(BaseView):
    """De-identified (scope, counts, place, dates), so every role may read it; the words the
    members share (the label, from redacted text) are shown to curators only."""

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
        async with self.services.unit_of_work(user) as session:
            alerts = await PatternRepository(session).list(team_ids=user.scope)
            teams = {team.id: team.name for team in await TeamRepository(session).list()}
            places = await place_names(session, user, self.services.text)
        return await self.templates.TemplateResponse(request, "nearmiss/alerts.html", {
            "title": self.services.text("Alerts"), "alerts": alerts, "teams": teams,
            "scopes": {a.id: self.services.text(SCOPES.get(a.scope, a.scope)) for a in alerts},
            "places": {a.id: places.of(a.team_id, a.place) for a in alerts
                       if a.team_id and a.place},
            "links": {a.id: _reports_link(request, a, places) for a in alerts},
            "curator": user.can("reports.curate")})

    @expose("/alerts/{alert_id:int}/acknowledge", methods=["POST"],
            identity="alert-acknowledge")
    async def acknowledge(self, request: Request) -> Response:
        user = require(request, "reports.curate")
        async with self.services.unit_of_work(user) as session:
            alerts = PatternRepository(session)
            alert = await alerts.get(alert_id=params.record_id(request, "alert_id"))
            if alert is None or not _in_scope(alert, user):
                raise HTTPException(status_code=404)
            await alerts.acknowledge(alert, by=user.email)
        return RedirectResponse(request.url_for("admin:view-alerts"), status_code=303)


def _in_scope(alert: PatternAlert, user: CurrentUser) -> bool:
    """Organisation-level alerts span teams, so only administrators (no scope) see them."""
    if alert.team_id is None:
        return user.scope is None
    return user.sees_team(alert.team_id)


def _reports_link(request: Request, alert: PatternAlert, places: PlaceNames) -> str:
    """The alert's reports in the list: its team's, and its place's when the reader may see
    that place (a typed place in a link would give it away)."""
    query: dict[str, Any] = {"date_from": alert.first_date.date().isoformat(),
                             "date_to": alert.last_date.date().isoformat()}
    if alert.team_id is not None:
        if alert.place and places.shows(alert.team_id, alert.place):
            query.update(place=alert.place)
        query.update(team=alert.team_id)
    return str(request.url_for("admin:view-reports").include_query_params(**query))
