"""The signed-in person's own account: signing out everywhere, two-factor sign-in."""

from __future__ import annotations

from datetime import UTC, datetime

from markupsafe import Markup
from sqladmin import BaseView, expose
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin import two_factor
from admin.roles import CurrentUser
from admin.services import Services
from conversations import N_
from storage.repositories import AdminUserRepository

ENROL_FIRST = N_("Administrators must turn on two-factor sign-in before using the panel.")
BAD_CODE = N_("That code is not right. Enter the code your authenticator app shows now.")
ENROLLED = N_("Two-factor sign-in is on. You will be asked for a code each time you sign in.")
TURNED_OFF = N_("Two-factor sign-in is off.")
REQUIRED = N_("Administrators cannot turn two-factor sign-in off here.")


class AccountView(BaseView):
    """Sign out (a POST with the CSRF token) and enrol in two-factor sign-in."""

    name = "Two-factor sign-in"
    identity = "two-factor"
    icon = "fa-solid fa-key"
    services: Services

    def is_accessible(self, request: Request) -> bool:
        return isinstance(getattr(request.state, "nearmiss_user", None), CurrentUser)

    @expose("/account/sign-out", methods=["GET"], identity="sign-out")
    async def confirm_sign_out(self, request: Request) -> Response:
        return await self.templates.TemplateResponse(request, "nearmiss/sign_out.html", {
            "title": self.services.text(N_("Sign out"))})

    @expose("/logout", methods=["POST"], identity="logout")
    async def sign_out(self, request: Request) -> Response:
        """End every session of this person (copies of the cookie included)."""
        user = request.state.nearmiss_user
        async with self.services.unit_of_work(user) as session:
            users = AdminUserRepository(session)
            account = await users.get(user_id=user.id)
            if account is not None:
                await users.end_sessions(account)
        request.session.clear()
        return RedirectResponse(request.url_for("admin:login"), status_code=303)

    @expose("/account/two-factor", methods=["GET"], identity="two-factor")
    async def two_factor_page(self, request: Request) -> Response:
        return await self._page(request, two_factor.new_secret(), None)

    @expose("/account/two-factor", methods=["POST"], identity="two-factor-change")
    async def change_two_factor(self, request: Request) -> Response:
        """Turn two-factor sign-in on (with the secret shown and a code from it) or off."""
        user = request.state.nearmiss_user
        form = await request.form()
        secret, code = str(form.get("secret", "")), str(form.get("code", ""))
        now = datetime.now(UTC)
        async with self.services.unit_of_work(user) as session:
            users = AdminUserRepository(session)
            account = await users.get(user_id=user.id)
            assert account is not None  # authenticate() has just loaded it
            if account.totp_secret is not None:
                if self._required(account.role):
                    return await self._page(request, None, REQUIRED, status=400)
                step = two_factor.matching_step(account.totp_secret, code, now)
                if step is None or not await users.use_totp_step(account, step=step):
                    return await self._page(request, None, BAD_CODE, status=400)
                await users.set_totp(account, secret=None, step=None)
                message = TURNED_OFF
            else:
                if not two_factor.is_secret(secret):
                    return await self._page(request, two_factor.new_secret(), BAD_CODE,
                                            status=400)
                step = two_factor.matching_step(secret, code, now)
                if step is None:
                    return await self._page(request, secret, BAD_CODE, status=400)
                await users.set_totp(account, secret=secret, step=step)
                message = ENROLLED
        request.state.nearmiss_two_factor = message == ENROLLED
        return await self._page(request, None, None, done=message)

    def _required(self, role: str) -> bool:
        return self.services.settings.environment == "production" and role == "admin"

    async def _page(self, request: Request, secret: str | None, error: str | None, *,
                    status: int = 200, done: str | None = None) -> Response:
        user = request.state.nearmiss_user
        enrolled = bool(getattr(request.state, "nearmiss_two_factor", False))
        uri = two_factor.provisioning_uri(secret, user.email) if secret and not enrolled else None
        qr_code = Markup(two_factor.qr_code_svg(  # segno's SVG: no user text in it
            uri, self.services.text(N_("QR code to scan with your authenticator app")))) \
            if uri else None
        return await self.templates.TemplateResponse(request, "nearmiss/two_factor.html", {
            "title": self.services.text(N_("Two-factor sign-in")), "enrolled": enrolled,
            "secret": None if enrolled else secret, "uri": uri, "qr_code": qr_code,
            "error": error, "done": done, "required": self._required(user.role),
            "must_enrol": self._required(user.role) and not enrolled,
            "enrol_first": ENROL_FIRST}, status_code=status)
