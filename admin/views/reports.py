"""Reports: the filtered list, one report with everything the worker said, and its curation."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqladmin import BaseView, expose
from sqladmin.flash import flash
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin import labels, params
from admin.actions import action_in_scope, owner_choices, owner_from_form
from admin.escalations import open_escalations
from admin.exports import count_actions, reports_csv
from admin.feedback import on_action_done, on_actions_agreed
from admin.forms import curation_changes, parse_date, read_filters
from admin.places import place_names
from admin.roles import CurrentUser, require
from admin.services import Services, visible_teams
from admin.views.redaction import suggest
from conversations import N_
from storage.models import Report, ReportIdentity
from storage.repositories import (
    UNSET,
    ActionRepository,
    AuditRepository,
    CategoryRepository,
    ReportRepository,
    TeamRepository,
)
from storage.repositories.similar import Similar, nearest, vector_of
from storage.stats import PARTS_OF_DAY
from storage.vocab import ACTION_STATUSES, FACTORS, REPORT_STATUSES, SEVERITIES, TIERS

PER_PAGE = 50
EXPORT_LIMIT = 200_000  # every report of a large provider's year, in one file


class ReportsView(BaseView):
    """The reports list and report pages; every route checks the role on the server."""

    name = "Reports"
    identity = "reports"
    icon = "fa-solid fa-clipboard-list"
    services: Services

    def is_accessible(self, request: Request) -> bool:
        return getattr(request.state, "nearmiss_user", None) is not None

    @expose("/reports", methods=["GET"], identity="reports")
    async def list_page(self, request: Request) -> Response:
        user = require(request, "reports.read")
        filters, page = read_filters(request.query_params, user.scope,
                                     words=user.can("reports.words"))
        async with self.services.unit_of_work(user) as session:
            rows, total = await ReportRepository(session).search(
                filters=filters, page=page, per_page=PER_PAGE)
            teams = await visible_teams(session, user)
            categories = await CategoryRepository(session).list(active_only=False)
            waiting = await open_escalations(session, user)
            places = await place_names(session, user, self.services.text)
        return await self.templates.TemplateResponse(request, "nearmiss/reports.html", {
            "title": self.services.text("Reports"), "rows": rows, "total": total, "page": page,
            "pages": max(1, -(-total // PER_PAGE)), "query": request.query_params,
            "teams": teams, "team_names": {team.id: team.name for team in teams},
            "categories": categories, "statuses": REPORT_STATUSES, "tiers": TIERS,
            "parts_of_day": PARTS_OF_DAY, "user": user, "labels": labels,
            "can_export": user.can("export.csv"), "open_escalations": waiting, "places": places,
        })

    @expose("/reports.csv", methods=["GET"], identity="reports-csv")
    async def export_csv(self, request: Request) -> Response:
        user = require(request, "export.csv")
        filters, _ = read_filters(request.query_params, user.scope,
                                  words=user.can("reports.words"))
        async with self.services.unit_of_work(user) as session:
            rows, _ = await ReportRepository(session).search(
                filters=filters, page=1, per_page=EXPORT_LIMIT)
            teams = {team.id: team.name for team in await TeamRepository(session).list()}
            counts = await count_actions(session, [row.id for row in rows])
        body = reports_csv(rows, team_names=teams, action_counts=counts)
        return Response(body, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="nearmiss-reports-{date.today()}.csv"'})

    @expose("/reports/{report_id:int}", methods=["GET"], identity="report")
    async def report_page(self, request: Request) -> Response:
        user = require(request, "reports.read")
        async with self.services.unit_of_work(user) as session:
            report = await _report_in_scope(session, request, user.sees_team)
            context = await _report_context(session, report, user)
            places = await place_names(session, user, self.services.text)
        context.update({"title": report.reference, "user": user, "labels": labels,
                        "place": places.of(report.team_id, report.place),
                        "statuses": REPORT_STATUSES, "severities": SEVERITIES, "tiers": TIERS,
                        "factors": FACTORS, "action_statuses": ACTION_STATUSES,
                        "today": date.today(), "redaction": suggest(
                            report, self.services.text,
                            use=request.query_params.get("suggest") == "1")
                        if user.can("reports.words") else None})
        return await self.templates.TemplateResponse(request, "nearmiss/report.html", context)

    @expose("/reports/{report_id:int}/curate", methods=["POST"], identity="report-curate")
    async def curate(self, request: Request) -> Response:
        user = require(request, "reports.curate")
        form = await request.form()
        async with self.services.unit_of_work(user) as session:
            report = await _report_in_scope(session, request, user.sees_team)
            try:
                changes = curation_changes(form)
            except ValueError as problem:
                flash(request, self.services.text(str(problem)), category="error")
                return _back_to(request, report)
            agreed_now = (changes["status"] == "actions_agreed"
                          and report.status != "actions_agreed")
            await ReportRepository(session).update_curation(report, **changes)
            if agreed_now:
                await on_actions_agreed(session, report, self.services.text)
        flash(request, self.services.text("Curation saved."), category="success")
        return _back_to(request, report)

    @expose("/reports/{report_id:int}/actions", methods=["POST"], identity="action-create")
    async def add_action(self, request: Request) -> Response:
        user = require(request, "actions.manage")
        form = await request.form()
        description = str(form.get("description", "")).strip()
        async with self.services.unit_of_work(user) as session:
            report = await _report_in_scope(session, request, user.sees_team)
            try:
                owner = await owner_from_form(session, form, team_id=report.team_id)
                if not description or owner is None:
                    raise ValueError(N_("An action needs a description and an owner."))
            except ValueError as problem:
                flash(request, self.services.text(str(problem)), category="error")
                return _back_to(request, report)
            await ActionRepository(session).create(
                report_id=report.id, description=description[:5000], owner=owner[0],
                owner_user_id=owner[1], due_date=parse_date(form.get("due_date")),
                recheck_by=parse_date(form.get("recheck_by")))
        flash(request, self.services.text("Action added."), category="success")
        return _back_to(request, report)

    @expose("/actions/{action_id:int}", methods=["POST"], identity="action-update")
    async def update_action(self, request: Request) -> Response:
        user = require(request, "actions.manage")
        form = await request.form()
        async with self.services.unit_of_work(user) as session:
            action, report = await action_in_scope(
                session, params.record_id(request, "action_id"), user)
            status = str(form.get("status", action.status))
            if status not in ACTION_STATUSES:
                raise HTTPException(status_code=400, detail="Unknown action status.")
            try:
                owner = await owner_from_form(session, form, team_id=report.team_id)
            except ValueError as problem:
                flash(request, self.services.text(str(problem)), category="error")
                return _back_to(request, report)
            done_now = status == "done" and action.status != "done"
            owner_name, owner_user_id = owner if owner else (UNSET, UNSET)
            await ActionRepository(session).update(
                action, status=status, today=date.today(),
                outcome_evidence=str(form.get("outcome_evidence", "")).strip() or None,
                completed_date=parse_date(form.get("completed_date")) or action.completed_date,
                due_date=parse_date(form.get("due_date")) or action.due_date,
                recheck_by=parse_date(form.get("recheck_by")) or action.recheck_by,
                owner=owner_name, owner_user_id=owner_user_id)
            if done_now:
                await on_action_done(session, report, action, self.services.text)
        flash(request, self.services.text("Action updated."), category="success")
        return _back_to(request, report)


async def _report_in_scope(session: Any, request: Request, sees_team: Any) -> Report:
    """The report named in the path; 404 (not 403) outside the user's teams, to reveal nothing."""
    report = await ReportRepository(session).get_by_id(
        report_id=params.record_id(request, "report_id"))
    if report is None or not sees_team(report.team_id):
        raise HTTPException(status_code=404)
    return report


async def _report_context(session: Any, report: Report, user: CurrentUser) -> dict[str, Any]:
    team = await TeamRepository(session).get(team_id=report.team_id)
    stored = await vector_of(session, report_id=report.id)
    similar = None if stored is None else await nearest(
        session, report=report, model=stored[0], vector=stored[1], team_ids=user.scope)
    reporter = await _reporter(session, report, user)
    actions = await ActionRepository(session).list(report_id=report.id)
    owners = await owner_choices(session, (report.team_id,)) if user.can(
        "actions.manage") else []
    audit = await AuditRepository(session).list(report_id=report.id) if user.can(
        "audit.read") else []
    return {"report": report, "team": team, "reporter": reporter, "actions": actions,
            "owners": owners, "owner_names": {owner.id: owner.email for owner in owners},
            "audit": audit, "reporter_state": _reporter_state(report, reporter, user),
            "similar": similar, "team_names": await _team_names(session, similar or [])}


async def _team_names(session: Any, similar: list[Similar]) -> dict[int, str]:
    if not similar:
        return {}
    return {team.id: team.name for team in await TeamRepository(session).list()}


async def _reporter(session: Any, report: Report, user: CurrentUser) -> ReportIdentity | None:
    """Who reported, read only when this user may see it: the row is never loaded otherwise."""
    if report.identity_erased_at is not None or not user.sees_reporter(report.confidentiality):
        return None
    return await session.get(ReportIdentity, report.id)


def _reporter_state(report: Report, reporter: ReportIdentity | None, user: CurrentUser) -> str:
    """What the "Reported by" line says: erased, anonymous, confidential, shown or missing."""
    if report.identity_erased_at is not None:
        return "erased"
    if report.confidentiality == "anonymous":
        return "anonymous"
    if not user.sees_reporter(report.confidentiality):
        return "confidential"
    return "shown" if reporter is not None else "missing"


def _back_to(request: Request, report: Report) -> RedirectResponse:
    return RedirectResponse(request.url_for("admin:view-report", report_id=report.id),
                            status_code=303)
