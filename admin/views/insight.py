"""The dashboard and the governance report: learning made visible for boards and inspectors."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqladmin import BaseView, expose
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from admin import charts, labels
from admin.escalations import open_escalations
from admin.figures import COMPLETED_NOTE, ReportLinks, week_label
from admin.forms import parse_date
from admin.governance import build_governance, render_governance
from admin.headers import STANDALONE_POLICY
from admin.pdf import html_to_pdf
from admin.places import place_names
from admin.roles import CurrentUser, require
from admin.services import Services, visible_teams
from storage import stats
from storage.stats import StatsScope

DEFAULT_DAYS = 90


def read_scope(query: QueryParams, user: CurrentUser, *, days: int = DEFAULT_DAYS) -> StatsScope:
    """A period and team from the query string, never wider than the user's own teams."""
    today = date.today()
    date_to = parse_date(query.get("date_to")) or today
    date_from = parse_date(query.get("date_from")) or date_to - timedelta(days=days - 1)
    team = query.get("team")
    team_ids = user.scope
    if team and team.isdigit():
        team_ids = (int(team),) if user.sees_team(int(team)) else ()
    return StatsScope(team_ids=team_ids, date_from=min(date_from, date_to), date_to=date_to)


class _Insight(BaseView):
    services: Services

    def is_accessible(self, request: Request) -> bool:
        return getattr(request.state, "nearmiss_user", None) is not None

    def speak(self, request: Request) -> None:
        """Choose the reader's language now: charts are drawn before the page is rendered."""
        self.services.text.use(request.headers.get("accept-language"),
                               request.query_params.get("lang"))


class DashboardView(_Insight):
    name = "Dashboard"
    identity = "dashboard"
    icon = "fa-solid fa-chart-column"

    @expose("/dashboard", methods=["GET"], identity="dashboard")
    async def dashboard(self, request: Request) -> Response:
        user = require(request, "dashboard")
        self.speak(request)
        scope = read_scope(request.query_params, user)
        async with self.services.unit_of_work(user) as session:
            places = await place_names(session, user, self.services.text)
            summary = places.summary(await stats.summary(session, scope, today=date.today()))
            teams = await visible_teams(session, user)
            waiting = await open_escalations(session, user)
        links = ReportLinks(request.url_for("admin:view-reports").path, scope,
                            request.query_params.get("team"))
        return await self.templates.TemplateResponse(request, "nearmiss/dashboard.html", {
            "title": self.services.text("Dashboard"), "summary": summary, "scope": scope,
            "charts": self._charts(summary, links), "teams": teams,
            "query": request.query_params, "labels": labels, "open_escalations": waiting,
            "completed_note": COMPLETED_NOTE,
        })

    def _charts(self, summary: stats.Summary, links: ReportLinks) -> list[Any]:
        """Each chart's bars link to their reports; weekdays have no such filter."""
        _ = self.services.text

        def named(buckets: list[stats.Bucket], names: dict[str, str]) -> list[tuple[str, int]]:
            return [(_(names.get(b.key, b.label)), b.count) for b in buckets]

        def bar_chart(title: str, items: list[tuple[str, int]], hrefs: Any = None) -> Any:
            return charts.bar_chart(title, items, empty=empty, links=hrefs)

        def by_key(key: str, buckets: list[stats.Bucket]) -> list[str | None]:
            return [links.to(**{key: b.key}) for b in buckets]

        empty = _("No reports in this period")
        places = summary.by_place[:15]
        return [
            charts.line_chart(
                _("Reports per week"),
                [(week_label(w, _, _.language), w.count) for w in summary.per_week],
                empty=empty, links=[links.week(w) for w in summary.per_week]),
            bar_chart(_("By category"), named(summary.by_category, labels.CATEGORY),
                      by_key("category", summary.by_category)),
            bar_chart(_("By place"), [(f"{p.place} ({p.team})", p.count) for p in places],
                      [links.to(place=p.place, team=p.team_id) for p in places]),
            bar_chart(_("By team"), [(t.name, t.count) for t in summary.by_team],
                      [links.to(team=t.team_id) for t in summary.by_team]),
            bar_chart(_("By time of day"), named(summary.by_time_of_day, labels.PERIOD),
                      by_key("time_of_day", summary.by_time_of_day)),
            bar_chart(_("By day of the week"), named(summary.by_day_of_week, labels.WEEKDAY)),
            bar_chart(_("By status"), named(summary.by_status, labels.STATUS),
                      by_key("status", summary.by_status)),
        ]


class GovernanceView(_Insight):
    name = "Governance report"
    identity = "governance"
    icon = "fa-solid fa-file-lines"

    @expose("/governance", methods=["GET"], identity="governance")
    async def governance(self, request: Request) -> Response:
        user = require(request, "governance")
        self.speak(request)
        if "date_from" not in request.query_params:
            async with self.services.unit_of_work(user) as session:
                teams = await visible_teams(session, user)
            return await self.templates.TemplateResponse(request, "nearmiss/governance_form.html", {
                "title": self.services.text("Governance report"),
                "teams": teams, "today": date.today(),
                "default_from": date.today() - timedelta(days=DEFAULT_DAYS - 1)})
        scope = read_scope(request.query_params, user)
        async with self.services.unit_of_work(user) as session:
            places = await place_names(session, user, self.services.text)
            gov = await build_governance(session, scope=scope, today=date.today(),
                                         places=places)
        text = self.services.text
        if request.query_params.get("format") == "pdf":
            html = render_governance(gov, gettext=text, language=text.language)
            name = f"nearmiss-governance-{scope.date_from}-{scope.date_to}.pdf"
            return Response(await html_to_pdf(html), media_type="application/pdf",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        team = request.query_params.get("team")
        links = ReportLinks(request.url_for("admin:view-reports").path, scope, team)
        dashboard = ReportLinks(request.url_for("admin:view-dashboard").path, scope, team)
        html = render_governance(gov, gettext=text, language=text.language, links=links,
                                 panel=dashboard.to())
        # Standalone, with its own <style> (it also becomes the PDF): a policy of its own.
        return HTMLResponse(html, headers={"Content-Security-Policy": STANDALONE_POLICY})
