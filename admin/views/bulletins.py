"""Learning bulletins: drafted from a curated report, edited, previewed, approved, delivered."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqladmin import BaseView, expose
from sqladmin.flash import flash
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin import labels, params
from admin.roles import CurrentUser, require
from admin.services import Services, visible_teams
from conversations import N_
from core.split import split_message
from learning.bulletins import NotReadyToShare, SharedParts, compose_flash, render_html
from storage.models import Bulletin
from storage.repositories import (
    ActionRepository,
    BulletinRepository,
    GroupRepository,
    OutboxRepository,
    ReportRepository,
)

NO_CHATS = N_("No linked group chat in the chosen teams: link one under Group chats first.")
CHECK_TITLE = N_("Check before sending")
CHANGED = N_("The bulletin or its group chats changed since you checked them: check again "
             "before sending.")


class BulletinsView(BaseView):
    name = "Bulletins"
    identity = "bulletins"
    icon = "fa-solid fa-bullhorn"
    services: Services

    def is_accessible(self, request: Request) -> bool:
        user = getattr(request.state, "nearmiss_user", None)
        return user is not None and user.can("bulletins")

    @expose("/bulletins", methods=["GET"], identity="bulletins")
    async def list_page(self, request: Request) -> Response:
        user = require(request, "bulletins")
        async with self.services.unit_of_work(user) as session:
            bulletins = await BulletinRepository(session).list(team_ids=user.scope)
            outbox = OutboxRepository(session)
            delivery = {b.id: await outbox.status_counts(batch=b.batch) for b in bulletins}
        return await self.templates.TemplateResponse(request, "nearmiss/bulletins.html", {
            "title": self.services.text("Bulletins"), "bulletins": bulletins,
            "delivery": delivery})

    @expose("/reports/{report_id:int}/bulletin", methods=["POST"], identity="bulletin-draft")
    async def draft(self, request: Request) -> Response:
        user = require(request, "bulletins")
        async with self.services.unit_of_work(user) as session:
            report = await ReportRepository(session).get_by_id(
                report_id=params.record_id(request, "report_id"))
            if report is None or not user.sees_team(report.team_id):
                raise HTTPException(status_code=404)
            actions = await ActionRepository(session).list(report_id=report.id)
            parts = SharedParts(
                category=self.services.text(labels.CATEGORY.get(report.category, report.category)),
                redacted_summary=report.redacted_summary,
                redacted_prevented=report.redacted_prevented,
                actions=[a.description for a in actions if a.status != "not_doing"])
            try:
                title, body = compose_flash(parts, self.services.text)
            except NotReadyToShare as problem:
                flash(request, self.services.text(str(problem)), category="error")
                return RedirectResponse(request.url_for("admin:view-report",
                                                        report_id=report.id), status_code=303)
            bulletin = await BulletinRepository(session).create(
                report_id=report.id, title=title, body=body, created_by=user.email,
                team_ids=(report.team_id,))
        return _to(request, bulletin)

    @expose("/bulletins/{bulletin_id:int}", methods=["GET"], identity="bulletin")
    async def page(self, request: Request) -> Response:
        user = require(request, "bulletins")
        async with self.services.unit_of_work(user) as session:
            bulletin = await _bulletin_in_scope(session, request, user)
            teams = await visible_teams(session, user)
            outbox = OutboxRepository(session)
            counts = await outbox.status_counts(batch=bulletin.batch)
            failures = await outbox.failures(batch=bulletin.batch)
            chats = await _chats(session, bulletin, user)
        parts = split_message(render_html(bulletin.title, bulletin.body))
        return await self.templates.TemplateResponse(request, "nearmiss/bulletin.html", {
            "title": bulletin.title, "bulletin": bulletin, "teams": teams, "user": user,
            "preview": parts, "counts": counts, "failures": failures, "chats": chats,
            "chosen": {team.id for team in bulletin.teams}})

    @expose("/bulletins/{bulletin_id:int}", methods=["POST"], identity="bulletin-save")
    async def save(self, request: Request) -> Response:
        user = require(request, "bulletins")
        form = await request.form()
        async with self.services.unit_of_work(user) as session:
            bulletin = await _bulletin_in_scope(session, request, user)
            await _save_form(session, bulletin, form, user)
        flash(request, self.services.text("Bulletin saved."), category="success")
        return _to(request, bulletin)

    @expose("/bulletins/{bulletin_id:int}/approve", methods=["POST"],
            identity="bulletin-approve")
    async def approve(self, request: Request) -> Response:
        """Save the text as it is in the box, then show what will be sent before sending."""
        user = require(request, "bulletins")
        form = await request.form()
        async with self.services.unit_of_work(user) as session:
            bulletin = await _bulletin_in_scope(session, request, user)
            if "body" in form:
                await _save_form(session, bulletin, form, user)
            elif bulletin.status != "draft":
                raise HTTPException(status_code=409, detail="Already approved.")
        return RedirectResponse(request.url_for("admin:view-bulletin-confirm",
                                                bulletin_id=bulletin.id), status_code=303)

    @expose("/bulletins/{bulletin_id:int}/confirm", methods=["GET"],
            identity="bulletin-confirm")
    async def confirm(self, request: Request) -> Response:
        """The exact text and the group chats it goes to; only this page's button sends."""
        user = require(request, "bulletins")
        async with self.services.unit_of_work(user) as session:
            bulletin = await _bulletin_in_scope(session, request, user)
            chats = await _chats(session, bulletin, user)
            teams = {team.id: team.name for team in await visible_teams(session, user)}
        if bulletin.status != "draft":
            return _to(request, bulletin)
        if not chats:
            flash(request, self.services.text(NO_CHATS), category="error")
            return _to(request, bulletin)
        return await self.templates.TemplateResponse(request, "nearmiss/bulletin_confirm.html", {
            "title": self.services.text(CHECK_TITLE), "bulletin": bulletin,
            "preview": split_message(render_html(bulletin.title, bulletin.body)),
            "chats": chats, "team_names": teams, "fingerprint": fingerprint(bulletin, chats)})

    @expose("/bulletins/{bulletin_id:int}/send", methods=["POST"], identity="bulletin-send")
    async def send(self, request: Request) -> Response:
        """Approve and queue the bulletin, if it is still what the confirmation showed."""
        user = require(request, "bulletins")
        form = await request.form()
        async with self.services.unit_of_work(user) as session:
            bulletin = await _bulletin_in_scope(session, request, user)
            chats = await _chats(session, bulletin, user)
            if bulletin.status != "draft":
                raise HTTPException(status_code=409, detail="Already approved.")
            if not chats or form.get("fingerprint") != fingerprint(bulletin, chats):
                flash(request, self.services.text(CHANGED), category="error")
                return RedirectResponse(request.url_for("admin:view-bulletin-confirm",
                                                        bulletin_id=bulletin.id),
                                        status_code=303)
            await BulletinRepository(session).approve(bulletin, approved_by=user.email,
                                                      now=datetime.now(UTC))
            text = render_html(bulletin.title, bulletin.body)
            await OutboxRepository(session).enqueue(
                batch=bulletin.batch, kind="bulletin",
                messages=[(chat.chat_id, True, text) for chat in chats])
        flash(request, self.services.text("Approved: the bulletin is on its way to {count} "
                                          "group chats.", count=len(chats)), category="success")
        return _to(request, bulletin)


def fingerprint(bulletin: Bulletin, chats: list[Any]) -> str:
    """A digest of exactly what would be sent, and where: the send must match the check."""
    content = "\0".join([bulletin.title, bulletin.body,
                         *sorted(str(chat.chat_id) for chat in chats)])
    return hashlib.sha256(content.encode()).hexdigest()


async def _save_form(session: Any, bulletin: Bulletin, form: Any, user: CurrentUser) -> None:
    """Store the edit form's title, text and teams; 409 once the bulletin is approved."""
    report = await ReportRepository(session).get_by_id(report_id=bulletin.report_id or 0)
    target, team_ids = _targets(form, user, report.team_id if report else None)
    title = str(form.get("title", "")).strip()[:200] or bulletin.title
    body = str(form.get("body", "")).strip()[:20_000] or bulletin.body
    try:
        await BulletinRepository(session).update(bulletin, title=title, body=body,
                                                 target=target, team_ids=team_ids)
    except ValueError:
        raise HTTPException(status_code=409, detail="Already approved.") from None


def _targets(form: Any, user: CurrentUser, report_team: int | None) -> tuple[str, list[int]]:
    """The target teams, never wider than the user's own (only admins may send to all)."""
    target = str(form.get("target", "team"))
    if target == "all" and user.scope is None:
        return "all", []
    if target == "teams":
        chosen = [params.whole_number(value) for value in form.getlist("teams")]
        return "teams", [team for team in chosen if team is not None and user.sees_team(team)]
    return "team", [report_team] if report_team is not None else []


async def _chats(session: Any, bulletin: Bulletin, user: CurrentUser) -> list[Any]:
    team_ids = None if bulletin.target == "all" else [team.id for team in bulletin.teams]
    if team_ids is None and user.scope is not None:
        team_ids = list(user.scope)
    return await GroupRepository(session).active_for_teams(team_ids=team_ids)


async def _bulletin_in_scope(session: Any, request: Request, user: CurrentUser) -> Bulletin:
    bulletin = await BulletinRepository(session).get(
        bulletin_id=params.record_id(request, "bulletin_id"))
    if bulletin is None:
        raise HTTPException(status_code=404)
    if user.scope is not None:
        report = await ReportRepository(session).get_by_id(report_id=bulletin.report_id or 0)
        if report is None or not user.sees_team(report.team_id):
            raise HTTPException(status_code=404)
    return bulletin


def _to(request: Request, bulletin: Bulletin) -> RedirectResponse:
    return RedirectResponse(request.url_for("admin:view-bulletin", bulletin_id=bulletin.id),
                            status_code=303)
