"""Escalations: harm and safeguarding reports the team's curators must not miss."""

from __future__ import annotations

from datetime import UTC, datetime

from sqladmin import BaseView, expose
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin import escalations, labels, params
from admin.roles import CurrentUser, require
from admin.services import Services
from conversations import N_

PER_PAGE = 50


class EscalationsView(BaseView):
    """Curators of a team see its escalations and who was told; outside their teams, 404."""

    name = "Escalations"
    identity = "escalations"
    icon = "fa-solid fa-bell"
    services: Services

    def is_accessible(self, request: Request) -> bool:
        user = getattr(request.state, "nearmiss_user", None)
        return isinstance(user, CurrentUser) and user.can("escalations")

    @expose("/escalations", methods=["GET"], identity="escalations")
    async def list_page(self, request: Request) -> Response:
        user = require(request, "escalations")
        page_number = params.page_number(request.query_params)
        async with self.services.unit_of_work(user) as session:
            rows, total = await escalations.list_escalations(
                session, user.scope, page=page_number, per_page=PER_PAGE)
            waiting = await escalations.unacknowledged(session, user.scope)
        return await self.templates.TemplateResponse(request, "nearmiss/escalations.html", {
            "title": self.services.text(N_("Escalations")), "rows": rows, "waiting": waiting,
            "page": page_number, "pages": max(1, -(-total // PER_PAGE)),
            "zone": self.services.settings.zone, "labels": labels})

    @expose("/escalations/{escalation_id:int}/acknowledge", methods=["POST"],
            identity="escalation-acknowledge")
    async def acknowledge(self, request: Request) -> Response:
        user = require(request, "escalations")
        async with self.services.unit_of_work(user) as session:
            escalation = await escalations.in_scope(
                session, params.record_id(request, "escalation_id"), user.scope)
            if escalation is None:
                raise HTTPException(status_code=404)
            escalations.acknowledge(escalation, by=user.email, now=datetime.now(UTC))
        return RedirectResponse(request.url_for("admin:view-escalations"), status_code=303)
