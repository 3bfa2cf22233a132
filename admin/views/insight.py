"""The dashboard and the governance report: learning made visible for boards and inspectors."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqladmin import BaseView, expose
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from admin import charts, labels, params
from admin.alert_words import repeat_themes
from admin.escalations import open_escalations
from admin.figures import COMPLETED_NOTE, ReportLinks, week_label
from admin.governance import build_governance, render_governance
from admin.governance_pdf import data_version
from admin.headers import STANDALONE_POLICY
from admin.places import place_names
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
            themes = await repeat_themes(session, scope, places=places,
                                         gettext=self.services.text,
                                         label=user.can("reports.words"))
            teams = await visible_teams(session, user)
            waiting = await open_escalations(session, user)
        links = ReportLinks(request.url_for("admin:view-reports").path, scope,
                            request.query_params.get("team"))
        return await self.templates.TemplateResponse(request, "nearmiss/dashboard.html", {
            "title": self.services.text("Dashboard"), "summary": summary, "scope": scope,
            "charts": self._charts(summary, links), "teams": teams,
            "query": request.query_params, "labels": labels, "open_escalations": waiting,
            "completed_note": COMPLETED_NOTE, "themes": themes,
        })

    def _charts(self, summary: stats.Summary, links: ReportLinks) -> list[Any]:
        """Each chart's bars link to their reports; weekdays have no such filter."""
        _ = self.services.text

        def named(buckets: list[stats.Bucket], names: dict[str, str]) -> list[tuple[str, int]]:
            return [(_(names.get(b.key, b.label)), b.count) for b in buckets]

        def bar_chart(title: str, items: list[tuple[str, int]], hrefs: Any = None) -> Any:
            return charts.bar_chart(title, items, empty=empty, links=hrefs)

        def by_key(key: str, buckets: list[stats.Bucket]) -> list[str | None]:
            return [links.by(key, b.key) for b in buckets]

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
        today = date.today()
        text = self.services.text
        if params.choice(request.query_params, "format", FORMATS) != "pdf":
            team = request.query_params.get("team")
            links = ReportLinks(request.url_for("admin:view-reports").path, scope, team)
            dashboard = ReportLinks(request.url_for("admin:view-dashboard").path, scope, team)
            html = await self._report(user, scope, today, links=links, panel=dashboard.to())
            # Standalone, with its own <style> (it also becomes the PDF): a policy of its own.
            return HTMLResponse(html, headers={"Content-Security-Policy": STANDALONE_POLICY})
        async with self.services.unit_of_work(user) as session:
            version = await data_version(session)
            places = await place_names(session, user, text)
        # What the PDF shows depends on the data, the language and how its reader may see
        # places (typed places hidden from those who may not read the workers' words).
        key = (scope, text.language, today, version, places.known)
        pdf = await self.services.pdfs.pdf(key, lambda: self._report(user, scope, today))
        name = f"nearmiss-governance-{scope.date_from}-{scope.date_to}.pdf"
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    async def _report(self, user: CurrentUser, scope: StatsScope, today: date,
                      **links: Any) -> str:
        """The standalone HTML governance report of a scope, in the reader's language, its
        places as the reader may see them; `links` (links, panel) for the page, none in PDF."""
        text = self.services.text
        async with self.services.unit_of_work(user) as session:
            places = await place_names(session, user, text)
            gov = await build_governance(session, scope=scope, today=today, places=places,
                                         gettext=text)
        return render_governance(gov, gettext=text, language=text.language, **links)
