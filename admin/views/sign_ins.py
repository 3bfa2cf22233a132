"""Sign-in failures: addresses someone keeps failing to sign in as, for administrators."""

from __future__ import annotations

from datetime import UTC, datetime

from sqladmin import BaseView, expose
from starlette.requests import Request
from starlette.responses import Response

from admin import throttle
from admin.roles import CurrentUser, require
from admin.services import Services
from conversations import N_
from storage.repositories import SignInFailureRepository


class SignInFailuresView(BaseView):
    """Addresses with repeated failed sign-ins in the last day, from how many clients."""

    name = "Sign-in failures"
    identity = "sign-in-failures"
    icon = "fa-solid fa-user-lock"
    category = "Setup"
    services: Services

    def is_accessible(self, request: Request) -> bool:
        user = getattr(request.state, "nearmiss_user", None)
        return isinstance(user, CurrentUser) and user.can("manage")

    @expose("/sign-in-failures", methods=["GET"], identity="sign-in-failures")
    async def list_page(self, request: Request) -> Response:
        user = require(request, "manage")
        since = datetime.now(UTC) - throttle.NOTICE_WINDOW
        async with self.services.unit_of_work(user) as session:
            rows = await SignInFailureRepository(session).repeated(
                since=since, at_least=throttle.REPEATED)
        return await self.templates.TemplateResponse(request, "nearmiss/sign_in_failures.html", {
            "title": self.services.text(N_("Sign-in failures")), "rows": rows,
            "zone": self.services.settings.zone, "at_least": throttle.REPEATED})
