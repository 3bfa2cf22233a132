"""Where a signed-in person lands: the admin's home page sends them to the page they work in."""

from __future__ import annotations

from sqladmin import Admin
from sqladmin.authentication import login_required
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin.roles import CurrentUser, current_user


def landing_route(user: CurrentUser) -> str:
    """The route a person starts on: curators the reports list, viewers the dashboard."""
    return "admin:view-reports" if user.can("reports.curate") else "admin:view-dashboard"


class NearmissAdmin(Admin):
    """SQLAdmin, whose home page (where signing in ends) leads to the landing page."""

    @login_required
    async def index(self, request: Request) -> Response:
        return RedirectResponse(request.url_for(landing_route(current_user(request))),
                                status_code=302)
