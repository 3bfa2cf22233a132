"""Privacy: the retention policy, what the daily job did, and data-rights requests.

Administrators only. A subject access request downloads what /mydata would send; an erasure
does what /forgetme does. PrivacyRepository writes both to the privacy log, which names the
administrator and the reports, never the person.
"""

from __future__ import annotations

import json
from datetime import date

from sqladmin import BaseView, expose
from sqladmin.flash import flash
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin import labels, params
from admin.forms import IDENTITY_DAYS, REPORT_YEARS, retention_periods, telegram_number
from admin.roles import CurrentUser, require
from admin.services import Services
from conversations import N_
from core.settings import identity_key
from storage import redis_state
from storage.repositories import PrivacyRepository, ReporterRepository
from storage.schemas import ReporterRow

LOG_PER_PAGE = 50
NOTHING_HELD = N_("Nothing is held about Telegram number {number}: no report carries it and it "
                  "belongs to no team.")


class PrivacyView(BaseView):
    """Every route needs the "privacy" permission (administrators); others get 403."""

    name = "Privacy"
    identity = "privacy"
    icon = "fa-solid fa-user-lock"
    services: Services

    def is_accessible(self, request: Request) -> bool:
        user = getattr(request.state, "nearmiss_user", None)
        return isinstance(user, CurrentUser) and user.can("privacy")

    @expose("/privacy", methods=["GET"], identity="privacy")
    async def privacy_page(self, request: Request) -> Response:
        user = require(request, "privacy")
        return await self._page(request, user)

    @expose("/privacy/policy", methods=["POST"], identity="privacy-policy")
    async def save_policy(self, request: Request) -> Response:
        user = require(request, "privacy")
        try:
            days, years = retention_periods(await request.form())
        except ValueError as problem:
            return self._back(request, str(problem), "error")
        async with self.services.unit_of_work(user) as session:
            await PrivacyRepository(session).update_policy(
                identity_days_after_closure=days, report_years=years, updated_by=user.email)
        return self._back(request, N_("Retention settings saved."), "success")

    @expose("/privacy/access", methods=["POST"], identity="privacy-access")
    async def subject_access(self, request: Request) -> Response:
        user = require(request, "privacy")
        try:
            number = telegram_number((await request.form()).get("telegram_user_id"))
        except ValueError as problem:
            return self._back(request, str(problem), "error")
        async with self.services.unit_of_work(user) as session:
            reporter, held = await self._subject(session, number)
            if not held:
                return self._back(request, NOTHING_HELD, "error", number=number)
            export = await PrivacyRepository(session).export(
                telegram_user_id=number, reporter=reporter, actor=user.email)
        # Committed above: the access is on record before the data leaves.
        body = json.dumps(export, ensure_ascii=False, indent=2)
        name = f"nearmiss-subject-access-{date.today().isoformat()}.json"
        return Response(body, media_type="application/json; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})

    @expose("/privacy/erasure", methods=["POST"], identity="privacy-erasure")
    async def erasure(self, request: Request) -> Response:
        user = require(request, "privacy")
        form = await request.form()
        try:
            number = telegram_number(form.get("telegram_user_id"))
        except ValueError as problem:
            return self._back(request, str(problem), "error")
        if form.get("confirm") != "yes":
            return self._back(request, N_("Tick the box to confirm the erasure: it cannot be "
                                          "undone."), "error")
        async with self.services.unit_of_work(user) as session:
            if not (await self._subject(session, number))[1]:
                return self._back(request, NOTHING_HELD, "error", number=number)
            references = await PrivacyRepository(session).erase(
                telegram_user_id=number, reporter_key=self._reporters(session).key_for(number),
                actor=user.email)
        await self._forget_conversation(number)
        # Shown in this answer, not flashed: a long list would not fit in the session cookie.
        return await self._page(request, user, erased=references)

    async def _forget_conversation(self, number: int) -> None:
        """With REDIS_URL the person's conversation state lives in Redis, not in the erased
        table: deleted there too (a client for this rare request, closed at once)."""
        settings = self.services.settings
        if not settings.redis_url:
            return
        async with redis_state.connect(settings.redis_url) as redis:
            await redis_state.forget(redis, settings.redis_prefix, number)

    async def _page(self, request: Request, user: CurrentUser,
                    erased: list[str] | None = None) -> Response:
        page_number = params.page_number(request.query_params)
        async with self.services.unit_of_work(user) as session:
            privacy = PrivacyRepository(session)
            policy = await privacy.policy()
            runs = await privacy.runs()
            events, total = await privacy.events(page=page_number, per_page=LOG_PER_PAGE)
        return await self.templates.TemplateResponse(request, "nearmiss/privacy.html", {
            "title": self.services.text(N_("Privacy")), "policy": policy, "runs": runs,
            "events": events, "page": page_number, "pages": max(1, -(-total // LOG_PER_PAGE)),
            "erased": erased, "zone": self.services.settings.zone,
            "identity_days": IDENTITY_DAYS, "report_years": REPORT_YEARS, "labels": labels})

    async def _subject(self, session: AsyncSession,
                       number: int) -> tuple[ReporterRow | None, bool]:
        """The person's team membership (or None), and whether anything at all is held."""
        reporter = await self._reporters(session).get_by_telegram_id(telegram_user_id=number)
        if reporter is not None:
            return reporter, True
        return None, bool(await PrivacyRepository(session).subject_reports(
            telegram_user_id=number))

    def _reporters(self, session: AsyncSession) -> ReporterRepository:
        return ReporterRepository(session, identity_key=identity_key(self.services.settings))

    def _back(self, request: Request, msgid: str, category: str,
              **params: object) -> RedirectResponse:
        flash(request, self.services.text(msgid, **params), category=category)
        return RedirectResponse(request.url_for("admin:view-privacy"), status_code=303)
