"""The dashboard and the governance report: learning made visible for boards and inspectors."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqladmin import BaseView, expose
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from admin import charts, labels, params
from admin.escalations import open_escalations
from admin.governance import build_governance, render_governance
from admin.governance_pdf import data_version
from admin.roles import CurrentUser, require
from admin.services import Services, visible_teams
from storage import stats
from storage.stats import StatsScope

DEFAULT_DAYS = 90
FORMATS = ("html", "pdf")


def read_scope(query: QueryParams, user: CurrentUser, *, days: int = DEFAULT_DAYS) -> StatsScope:
    """A period and team from the query string, never wider than the user's own teams;
    the last `days` days to today for dates left out, 400 for malformed ones."""
    date_from, date_to = params.ordered(params.query_date(query, "date_from"),
                                        params.query_date(query, "date_to"))
    date_to = date_to or max(date.today(), date_from or date.today())
    date_from = date_from or date_to - timedelta(days=days - 1)
    return StatsScope(team_ids=params.team_scope(query, user.scope), date_from=date_from,
                      date_to=date_to)


class _Insight(BaseView):
    services: Services

    def is_accessible(self, request: Request) -> bool:
        return getattr(request.state, "nearmiss_user", None) is not None


class DashboardView(_Insight):
    name = "Dashboard"
    identity = "dashboard"
    icon = "fa-solid fa-chart-column"

    @expose("/dashboard", methods=["GET"], identity="dashboard")
    async def dashboard(self, request: Request) -> Response:
        user = require(request, "dashboard")
        scope = read_scope(request.query_params, user)
        async with self.services.unit_of_work(user) as session:
            summary = await stats.summary(session, scope, today=date.today())
            teams = await visible_teams(session, user)
            waiting = await open_escalations(session, user)
        return await self.templates.TemplateResponse(request, "nearmiss/dashboard.html", {
            "title": self.services.text("Dashboard"), "summary": summary, "scope": scope,
            "charts": self._charts(summary), "teams": teams,
            "query": request.query_params, "labels": labels, "open_escalations": waiting,
        })

    def _charts(self, summary: stats.Summary) -> list[Any]:
        _ = self.services.text

        def named(buckets: list[stats.Bucket], names: dict[str, str]) -> list[tuple[str, int]]:
            return [(_(names.get(b.key, b.label)), b.count) for b in buckets]

        empty = _("No reports in this period")

        def bar_chart(title: str, items: list[tuple[str, int]]) -> Any:
            return charts.bar_chart(title, items, empty=empty)

        return [
            charts.line_chart(_("Reports per week"),
                              [(w.label, w.count) for w in summary.per_week], empty=empty),
            bar_chart(_("By category"), named(summary.by_category, labels.CATEGORY)),
            bar_chart(_("By place"), [(f"{p.place} ({p.team})", p.count)
                                      for p in summary.by_place[:15]]),
            bar_chart(_("By team"), [(t.name, t.count) for t in summary.by_team]),
            bar_chart(_("By time of day"), named(summary.by_time_of_day, labels.PERIOD)),
            bar_chart(_("By day of the week"), named(summary.by_day_of_week, labels.WEEKDAY)),
            bar_chart(_("By status"), named(summary.by_status, labels.STATUS)),
        ]


class GovernanceView(_Insight):
    name = "Governance report"
    identity = "governance"
    icon = "fa-solid fa-file-lines"

    @expose("/governance", methods=["GET"], identity="governance")
    async def governance(self, request: Request) -> Response:
        user = require(request, "governance")
        if "date_from" not in request.query_params:
            async with self.services.unit_of_work(user) as session:
                teams = await visible_teams(session, user)
            return await self.templates.TemplateResponse(request, "nearmiss/governance_form.html", {
                "title": self.services.text("Governance report"),
                "teams": teams, "today": date.today(),
                "default_from": date.today() - timedelta(days=DEFAULT_DAYS - 1)})
        scope = read_scope(request.query_params, user)
        today = date.today()
        if params.choice(request.query_params, "format", FORMATS) != "pdf":
            return HTMLResponse(await self._report(user, scope, today))
        async with self.services.unit_of_work(user) as session:
            version = await data_version(session)
        # What the page shows depends on nothing else: not on the role, nor on who asks.
        key = (scope, self.services.text.language, today, version)
        pdf = await self.services.pdfs.pdf(key, lambda: self._report(user, scope, today))
        name = f"nearmiss-governance-{scope.date_from}-{scope.date_to}.pdf"
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    async def _report(self, user: CurrentUser, scope: StatsScope, today: date) -> str:
        """The standalone HTML governance report of a scope."""
        async with self.services.unit_of_work(user) as session:
            gov = await build_governance(session, scope=scope, today=today)
        return render_governance(gov, gettext=self.services.text)
