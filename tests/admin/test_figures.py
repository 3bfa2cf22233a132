"""Numbers a manager can read: weeks as "w/c 7 Sep", part weeks marked, charts that lead to
their reports, one "actions completed" everywhere, times in the organisation's zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.figures import ReportLinks, local_time, week_label
from storage.models import Report
from storage.repositories import ActionRepository
from storage.stats_results import StatsScope, WeekCount
from tests.admin.conftest import World


def english(msgid: str, **params: object) -> str:
    return msgid.format(**params)


def test_a_week_reads_week_commencing_and_a_cut_week_says_so() -> None:
    whole = WeekCount(date(2026, 9, 7), 3, date(2026, 9, 7), date(2026, 9, 13))
    cut = WeekCount(date(2026, 8, 31), 1, date(2026, 9, 1), date(2026, 9, 6))
    assert week_label(whole, english, "en") == "w/c 7 Sep"
    assert week_label(cut, english, "en") == "w/c 31 Aug (part week)"
    assert week_label(whole, english, "cy") == "w/c 7 Medi"  # Babel's month, our words


def test_a_stored_utc_time_reads_in_the_organisations_zone() -> None:
    london = ZoneInfo("Europe/London")
    assert local_time(datetime(2026, 7, 1, 13, 5, tzinfo=UTC), london) == "2026-07-01 14:05 BST"
    assert local_time(datetime(2026, 12, 1, 13, 5), london) == "2026-12-01 13:05 GMT"


def test_report_links_keep_the_period_and_team() -> None:
    links = ReportLinks("/admin/reports", StatsScope((3,), date(2026, 3, 1), date(2026, 3, 31)),
                        "3")
    assert links.to(category="falls") == (
        "/admin/reports?category=falls&team=3&date_from=2026-03-01&date_to=2026-03-31")
    assert links.to(team=4) == "/admin/reports?team=4&date_from=2026-03-01&date_to=2026-03-31"
    week = WeekCount(date(2026, 2, 23), 0, date(2026, 3, 1), date(2026, 3, 1))
    assert links.week(week) == "/admin/reports?team=3&date_from=2026-03-01&date_to=2026-03-01"


def _period() -> tuple[date, date]:
    """Ten days ending today: a period that cuts at least one of its weeks."""
    today = date.today()
    return today - timedelta(days=9), today


async def test_the_dashboard_writes_weeks_for_people_and_its_bars_lead_to_their_reports(
        as_role, world: World) -> None:
    start, end = _period()
    admin = await as_role("admin")
    page = (await admin.get(f"/admin/dashboard?date_from={start}&date_to={end}")).text
    assert "w/c " in page and "(part week)" in page
    assert not re.search(r"\d{4}-W\d{2}", page)
    hrefs = [unescape(h) for h in re.findall(r'<a href="([^"]+)"><title>', page)]
    medication = next(h for h in hrefs if "category=medication" in h)
    assert medication == (f"/admin/reports?category=medication&date_from={start}"
                          f"&date_to={end}")
    listed = (await admin.get(medication)).text
    assert "2 reports" in listed  # the bar's count: both seeded reports are medication
    morning = next(h for h in hrefs if "time_of_day=morning" in h)
    assert "2 reports" in (await admin.get(morning)).text
    evening = next(h for h in hrefs if "time_of_day=evening" in h)
    assert "0 reports" in (await admin.get(evening)).text
    happened = date.today() - timedelta(days=2)  # both seeded reports' day
    weeks = [parse_qs(urlsplit(h).query) for h in hrefs if urlsplit(h).query.startswith("date_")]
    week = next(q for q in weeks
                if q["date_from"][0] <= happened.isoformat() <= q["date_to"][0])
    assert "2 reports" in (await admin.get(f"/admin/reports?{urlencode(week, doseq=True)}")).text


async def test_actions_completed_is_the_same_on_the_dashboard_and_the_governance_report(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        session.info["actor"] = (None, "test-setup")
        actions = ActionRepository(session)
        for description in ("Done this week", "Also done"):
            action = await actions.create(report_id=world.report_a, description=description,
                                          owner="Lead", due_date=None)
            await actions.update(action, status="done", today=date.today())
        # Completed in the period but agreed long before it: it still counts as completed.
        old = await actions.create(report_id=world.report_b, description="Old, done now",
                                   owner="Lead", due_date=None)
        await actions.update(old, status="done", today=date.today())
        old.created_at = datetime(2020, 1, 1, tzinfo=UTC)
        await session.commit()
    start, end = _period()
    admin = await as_role("admin")
    period = f"date_from={start}&date_to={end}"
    dashboard = (await admin.get(f"/admin/dashboard?{period}")).text
    governance = (await admin.get(f"/admin/governance?{period}")).text
    # Four counted (the open overdue action and three done ones), three done.
    assert "3 of 4" in dashboard
    assert governance.count("Actions completed (3 of 4)") == 2  # the tile and the list
    note = "Of the actions agreed, due or completed in the period"
    assert note in dashboard and note in governance


async def test_the_governance_report_links_back_to_the_panel(as_role, world: World) -> None:
    start, end = _period()
    viewer = await as_role("viewer")
    page = (await viewer.get(f"/admin/governance?date_from={start}&date_to={end}")).text
    back = re.search(r'<a href="([^"]+)" id="back-to-panel">', page)
    assert back is not None
    assert unescape(back.group(1)) == f"/admin/dashboard?date_from={start}&date_to={end}"
    assert (await viewer.get(unescape(back.group(1)))).status_code == 200


async def test_submitted_is_shown_in_the_organisations_time_zone(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker.begin() as session:
        session.info["actor"] = (None, "test-setup")
        report = await session.get(Report, world.report_a)
        report.submitted_at = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)
    page = (await (await as_role("reviewer")).get(f"/admin/reports/{world.report_a}")).text
    submitted = re.search(r'<dd class="col-sm-8" id="submitted">([^<]*)</dd>', page)
    assert submitted is not None and submitted.group(1) == "2026-07-01 23:30 BST"


async def test_the_reports_list_filters_by_time_of_day_and_refuses_an_unknown_one(
        as_role, world: World) -> None:
    admin = await as_role("admin")
    assert "2 reports" in (await admin.get("/admin/reports?time_of_day=morning")).text
    assert "0 reports" in (await admin.get("/admin/reports?time_of_day=night")).text
    unknown = await admin.get("/admin/reports?time_of_day=teatime")
    assert unknown.status_code == 400
    assert "Choose a value from the list." in unknown.text


async def test_the_dashboard_and_governance_report_speak_the_readers_language(
        as_role, world: World) -> None:
    start, end = _period()
    admin = await as_role("admin")
    period = f"date_from={start}&date_to={end}&lang=cy"
    dashboard = (await admin.get(f"/admin/dashboard?{period}")).text
    assert "w/d " in dashboard and "(rhan o wythnos)" in dashboard
    governance = (await admin.get(f"/admin/governance?{period}")).text
    assert '<html lang="cy">' in governance and "Yn ôl i&#39;r panel gweinyddu" in governance
