"""The governance report: evidence for inspectors and commissioners that near misses lead
to learning, for one period and one or more teams.

Examples of learning quote only a reviewer's redacted summary, never the worker's own
words, so the report can leave the organisation. Queries name their columns for that
reason: no Report object (and so no free text) is ever loaded here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import ColumnElement, and_, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from admin import labels
from admin.alert_words import ClusterLine, repeat_themes
from admin.charts import bar_chart, line_chart
from admin.figures import COMPLETED_NOTE, ReportLinks, week_label
from admin.places import AS_WRITTEN, PlaceNames
from storage import stats, stats_actions
from storage.models import Action, Category, Report, Team
from storage.stats import StatsScope, Summary

EXAMPLES = 5
LISTED = 50  # action rows listed per table; the totals are always exact
THEMES_LISTED = 40  # a year across many teams finds hundreds; the largest tell the story
TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class ActionLine:
    reference: str
    description: str
    owner: str
    due_date: date | None
    status: str
    completed_date: date | None
    outcome_evidence: str | None


@dataclass(frozen=True)
class ActionList:
    """Up to LISTED actions, and how many there are in all."""

    rows: list[ActionLine]
    total: int


@dataclass(frozen=True)
class Example:
    """What happened (redacted), what we changed, and how we know it worked."""

    reference: str
    occurred_date: date
    category: str
    summary: str
    changes: list[str]
    evidence: list[str]


@dataclass(frozen=True)
class Flags:
    safeguarding_referrals: int
    commissioner_notifications: int
    family_informed: int


@dataclass(frozen=True)
class Governance:
    scope: StatsScope
    today: date
    teams: list[str]  # names of the teams in scope; empty for "all teams"
    current: Summary
    previous: Summary | None  # the period of equal length before, when dates are given
    agreed: ActionList  # actions created in the period
    completed: ActionList  # stats_actions.completed_actions: the tile's "done", with evidence
    overdue: ActionList  # open and past due today, whenever their report happened
    flags: Flags
    examples: list[Example]
    themes: list[ClusterLine]  # the period's pattern alerts, with reviewers' titles only
    previous_themes: int | None  # how many the period before had, when dates are given


async def build_governance(session: AsyncSession, *, scope: StatsScope, today: date,
                           places: PlaceNames = AS_WRITTEN,
                           gettext: Callable[..., str] | None = None) -> Governance:
    """Gather everything the governance report shows for a scope, its places as the reader
    may see them (`places`), its repeat themes in the reader's language (`gettext`).

    A repeat theme shows a reviewer's title, never the label made of the workers' words: the
    report may leave the organisation."""
    shown = places.summary
    has_dates = scope.date_from is not None and scope.date_to is not None

    async def themes(period: StatsScope) -> list[ClusterLine]:
        return await repeat_themes(session, period, places=places,
                                   gettext=gettext or _english, label=False)
    previous = (shown(await stats.summary(session, scope.previous(), today=today))
                if has_dates else None)
    return Governance(
        scope=scope, today=today, teams=await _team_names(session, scope),
        current=shown(await stats.summary(session, scope, today=today)), previous=previous,
        agreed=await _actions(session, scope, stats_actions.created_in(scope),
                              Action.created_at.desc()),
        completed=await _actions(session, scope, stats_actions.completed_actions(scope),
                                 Action.completed_date.desc()),
        overdue=await _actions(session, scope, and_(Action.status == "open",
                                                    Action.due_date < today),
                               Action.due_date),
        flags=await _flags(session, scope),
        examples=await _examples(session, scope),
        themes=await themes(scope),
        previous_themes=len(await themes(scope.previous())) if has_dates else None,
    )


async def _actions(session: AsyncSession, scope: StatsScope, where: ColumnElement[bool],
                   order: Any) -> ActionList:
    """The actions on the scope's teams' reports matching `where`; dates are in `where`."""
    teams = stats.scope_filter(scope, dates=False)
    base = select(Action).join(Report, Report.id == Action.report_id).where(where, *teams)
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    query = (select(Report.reference, Action.description, Action.owner, Action.due_date,
                    Action.status, Action.completed_date, Action.outcome_evidence)
             .join(Report, Report.id == Action.report_id).where(where, *teams)
             .order_by(order, Action.id).limit(LISTED))
    rows = [ActionLine(*row) for row in (await session.execute(query)).all()]
    return ActionList(rows=rows, total=total)


async def _flags(session: AsyncSession, scope: StatsScope) -> Flags:
    def count(flag: Any) -> Any:
        return func.coalesce(func.sum(case((flag.is_(True), 1), else_=0)), 0)

    query = select(count(Report.safeguarding_referral), count(Report.commissioner_notified),
                   count(Report.family_informed)).where(*stats.scope_filter(scope))
    return Flags(*(await session.execute(query)).one())


async def _examples(session: AsyncSession, scope: StatsScope) -> list[Example]:
    """Up to EXAMPLES reports with a redacted summary and a done action; evidence first."""
    done = and_(Action.report_id == Report.id, Action.status == "done")
    proven = exists().where(done, func.coalesce(Action.outcome_evidence, "") != "")
    summarised = func.trim(func.coalesce(Report.redacted_summary, "")) != ""
    query = (
        select(Report.id, Report.reference, Report.occurred_date, Report.category,
               Report.redacted_summary, func.coalesce(Category.name, Report.category))
        .outerjoin(Category, Category.key == Report.category)
        .where(*stats.scope_filter(scope), summarised, exists().where(done))
        .order_by(case((proven, 0), else_=1), Report.occurred_date.desc(), Report.id.desc())
        .limit(EXAMPLES)
    )
    reports = (await session.execute(query)).all()
    actions = await session.execute(
        select(Action.report_id, Action.description, Action.outcome_evidence)
        .where(Action.report_id.in_([r.id for r in reports]), Action.status == "done")
        .order_by(Action.completed_date, Action.id))
    by_report: dict[int, list[Any]] = {r.id: [] for r in reports}
    for action in actions.all():
        by_report[action.report_id].append(action)
    return [
        Example(reference, occurred, category, summary.strip(),
                changes=[a.description for a in by_report[report_id]],
                evidence=[a.outcome_evidence for a in by_report[report_id] if a.outcome_evidence])
        for report_id, reference, occurred, _, summary, category in reports
    ]


async def _team_names(session: AsyncSession, scope: StatsScope) -> list[str]:
    if scope.team_ids is None:
        return []
    query = select(Team.name).where(Team.id.in_(scope.team_ids)).order_by(Team.name)
    return list(await session.scalars(query))


def render_governance(gov: Governance, *, gettext: Callable[..., str] | None = None,
                      language: str = "en", links: ReportLinks | None = None,
                      panel: str | None = None) -> str:
    """Render the standalone HTML page (autoescaped; charts are our own escaped SVG).

    `links` makes the charts' bars lead to their reports and `panel` (the address of the
    same period on the dashboard) adds a way back to the admin panel; a PDF has neither.
    """
    _ = gettext or _english
    template = _environment().get_template("governance.html")
    return template.render(gov=gov, charts=_charts(gov, _, language, links), labels=labels,
                           _=_, language=language, panel=panel, completed_note=COMPLETED_NOTE,
                           change=lambda now, before: _change(now, before, _),
                           previous_counts=_previous_counts(gov), themes_listed=THEMES_LISTED)


def _charts(gov: Governance, _: Callable[..., str], language: str,
            links: ReportLinks | None) -> dict[str, Markup]:
    summary = gov.current
    empty = _("No reports in this period")
    places = summary.by_place[:10]

    def named(buckets: list[stats.Bucket], names: dict[str, str]) -> list[tuple[str, int]]:
        return [(_(names.get(b.key, b.label)), b.count) for b in buckets]

    def by_key(key: str, buckets: list[stats.Bucket]) -> list[str | None] | None:
        return [links.by(key, b.key) for b in buckets] if links else None

    return {
        "weeks": line_chart(_("Reports per week"),
                            [(week_label(w, _, language), w.count) for w in summary.per_week],
                            empty=empty,
                            links=[links.week(w) for w in summary.per_week] if links else None),
        "categories": bar_chart(_("By category"), named(summary.by_category, labels.CATEGORY),
                                empty=empty, links=by_key("category", summary.by_category)),
        "places": bar_chart(_("Places with most reports"),
                            [(f"{p.place} ({p.team})", p.count) for p in places], empty=empty,
                            links=[links.to(place=p.place, team=p.team_id) for p in places]
                            if links else None),
        "times": bar_chart(_("By time of day"), named(summary.by_time_of_day, labels.PERIOD),
                           horizontal=False, empty=empty,
                           links=by_key("time_of_day", summary.by_time_of_day)),
        "status": bar_chart(_("Where reports are now"), named(summary.by_status, labels.STATUS),
                            empty=empty, links=by_key("status", summary.by_status)),
    }


def _change(now: int, before: int | None, _: Callable[..., str]) -> str:
    """"+12 %", "-3 %", "new" or "" (no previous period) for the comparison column."""
    if before is None:
        return ""
    if before == 0:
        return _("new") if now else "0 %"
    return f"{(now - before) * 100 / before:+.0f} %"


def _previous_counts(gov: Governance) -> dict[str, int] | None:
    """Category key -> reports in the previous period, for the comparison table."""
    if gov.previous is None:
        return None
    return {bucket.key: bucket.count for bucket in gov.previous.by_category}


def _english(msgid: str, **params: object) -> str:
    return msgid.format(**params) if params else msgid


@functools.cache
def _environment() -> Environment:
    """One Environment, so Jinja compiles the template once."""
    return Environment(loader=FileSystemLoader(TEMPLATES),
                       autoescape=select_autoescape(["html"], default=True))
