"""The Alerts page: each alert with its reports, scope in words, label by role, the reviewer's
title, acknowledgement, and the CSV, for each role's teams."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import PatternAlert, Report
from tests.admin.conftest import World
from tests.admin.learning_data import add_alert, add_embedded

DOOR = ["Agency carer had no door code and waited outside",
        "Nobody told the new agency worker the key safe number",
        "Bank staff not given the door code for the evening call"]
FORMULA = "=HYPERLINK(\"http://evil.example\")"


@dataclass(frozen=True)
class Alerts:
    place: int  # team A's, at Lounge
    team: int  # team B's
    organisation: int  # two reports in A, one in B
    time: int  # team B's reports only
    a_reports: list[int]
    b_reports: list[int]


@pytest.fixture
async def alerts(sessionmaker: async_sessionmaker[AsyncSession], world: World) -> Alerts:
    a = await add_embedded(sessionmaker, team_id=world.team_a, texts=DOOR,
                           external_ids=("ROSE-17", FORMULA, None))
    b = await add_embedded(sessionmaker, team_id=world.team_b, texts=DOOR, place="Hall",
                           external_ids=("OAK-9",))
    return Alerts(
        place=await add_alert(sessionmaker, scope="place", team_id=world.team_a, place="Lounge",
                              members=a, label="door code, agency"),
        team=await add_alert(sessionmaker, scope="team", team_id=world.team_b, members=b,
                             label="key safe"),
        organisation=await add_alert(sessionmaker, scope="organisation",
                                     members=[*a[:2], b[0]], label="=cmd|' /C calc'!A0",
                                     title="Door codes for agency staff"),
        time=await add_alert(sessionmaker, scope="time", hour=20, members=b, label="evening"),
        a_reports=a, b_reports=b)


async def _references(sessionmaker: async_sessionmaker[AsyncSession],
                      ids: list[int]) -> list[str]:
    async with sessionmaker() as session:
        reports = [await session.get(Report, report_id) for report_id in ids]
    return [report.reference for report in reports if report is not None]


async def test_a_reviewer_sees_their_teams_alerts_with_members_and_labels(
        as_role, alerts: Alerts, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    page = (await (await as_role("reviewer")).get("/admin/alerts")).text
    assert f'id="alert-{alerts.place}"' in page and "At Lounge, Rosewood House" in page
    assert f'id="alert-{alerts.organisation}"' in page and "Across 2 teams" in page
    assert f'id="alert-{alerts.team}"' not in page and f'id="alert-{alerts.time}"' not in page
    assert "door code, agency" in page and "Door codes for agency staff" in page
    a_refs = await _references(sessionmaker, alerts.a_reports)
    b_refs = await _references(sessionmaker, alerts.b_reports)
    assert all(reference in page for reference in a_refs)
    assert not any(reference in page for reference in b_refs)
    assert "and 1 in teams you do not see" in page and "ROSE-17" in page
    assert f'href="http://testserver/admin/reports/{alerts.a_reports[0]}"' in page


async def test_a_viewer_sees_titles_but_never_labels(as_role, alerts: Alerts) -> None:
    viewer = await as_role("viewer")
    page = (await viewer.get("/admin/alerts")).text
    assert f'id="alert-{alerts.place}"' in page and "Door codes for agency staff" in page
    assert "door code, agency" not in page and "What they share" not in page
    assert ">Acknowledge<" not in page and 'name="title"' not in page
    assert "alerts.csv" not in page
    assert (await viewer.post(f"/admin/alerts/{alerts.place}/acknowledge")).status_code == 403
    assert (await viewer.post(f"/admin/alerts/{alerts.place}/title",
                              {"title": "x"})).status_code == 403
    assert (await viewer.get("/admin/alerts.csv")).status_code == 403


async def test_an_administrator_sees_every_alert_in_words(as_role, alerts: Alerts) -> None:
    page = (await (await as_role("admin")).get("/admin/alerts")).text
    assert all(f'id="alert-{i}"' in page
               for i in (alerts.place, alerts.team, alerts.organisation, alerts.time))
    assert "Across Oak Lodge&#39;s places" in page and "At about 20:00 across places" in page
    assert "teams you do not see" not in page


async def test_a_reviewer_titles_and_acknowledges_only_what_they_see(
        as_role, alerts: Alerts, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    reviewer = await as_role("reviewer")
    answer = await reviewer.post(f"/admin/alerts/{alerts.place}/title",
                                 {"title": "  Agency   door codes  "})
    assert answer.status_code == 303
    assert (await reviewer.post(f"/admin/alerts/{alerts.place}/acknowledge")).status_code == 303
    page = (await reviewer.get(f"/admin/alerts/{alerts.place}")).text
    assert "Agency door codes" in page and "set by reviewer@example.org" in page
    assert "Acknowledged by reviewer@example.org" in page
    for hidden in (alerts.team, alerts.time):
        assert (await reviewer.get(f"/admin/alerts/{hidden}")).status_code == 404
        assert (await reviewer.post(f"/admin/alerts/{hidden}/title",
                                    {"title": "x"})).status_code == 404
        assert (await reviewer.post(f"/admin/alerts/{hidden}/acknowledge")).status_code == 404
    refused = await reviewer.post(f"/admin/alerts/{alerts.place}/title", {"title": "a\x00b"})
    assert refused.status_code == 400
    await reviewer.post(f"/admin/alerts/{alerts.place}/title", {"title": "x" * 300})
    async with sessionmaker() as session:
        alert = await session.get(PatternAlert, alerts.place)
        assert alert is not None and alert.title == "x" * 200
    await reviewer.post(f"/admin/alerts/{alerts.place}/title", {"title": " "})
    async with sessionmaker() as session:
        alert = await session.get(PatternAlert, alerts.place)
        assert alert is not None and alert.title is None and alert.title_by is None


async def test_the_csv_lists_members_in_scope_and_neutralises_formulas(
        as_role, alerts: Alerts, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    reviewer = await as_role("reviewer")
    assert "/admin/alerts.csv" in (await reviewer.get("/admin/alerts")).text
    answer = await reviewer.get("/admin/alerts.csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text.lstrip("\ufeff"))))
    assert rows[0] == ["Id", "Scope", "Team", "Place", "Hour", "First date", "Last date",
                       "Count", "Member references", "Member external ids", "Label", "Title"]
    by_id = {int(row[0]): row for row in rows[1:]}
    assert set(by_id) == {alerts.place, alerts.organisation}
    a_refs = await _references(sessionmaker, alerts.a_reports)
    place = by_id[alerts.place]
    assert place[1:5] == ["place", "Rosewood House", "Lounge", ""] and place[7] == "3"
    # Members by date: the reports were made a day further back each.
    assert place[8] == "; ".join(reversed(a_refs))
    assert place[9] == "'" + FORMULA + "; ROSE-17"
    organisation = by_id[alerts.organisation]
    assert organisation[7] == "3" and organisation[8] == "; ".join(reversed(a_refs[:2]))
    assert organisation[10] == "'=cmd|' /C calc'!A0"
    assert organisation[11] == "Door codes for agency staff"
    everything = (await (await as_role("admin")).get("/admin/alerts.csv")).text
    assert "OAK-9" in everything and ",time,,,20," in everything


async def test_alerts_are_paged(as_role, world: World,
                                sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    for number in range(21):
        await add_alert(sessionmaker, scope="place", team_id=world.team_a, place="Lounge",
                        members=[world.report_a], first_report_id=1000 + number)
    admin = await as_role("admin")
    first = (await admin.get("/admin/alerts")).text
    assert "Page 1 of 2" in first and first.count('class="card mb-3" id="alert-') == 20
    second = (await admin.get("/admin/alerts?page=2")).text
    assert second.count('class="card mb-3" id="alert-') == 1


async def test_the_dashboards_repeat_themes_are_the_alerts_in_scope(
        as_role, alerts: Alerts, world: World,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    old = await add_alert(sessionmaker, scope="place", team_id=world.team_a, place="Lounge",
                          members=alerts.a_reports[:1], days=(200, 150), first_report_id=999)
    reviewer = (await (await as_role("reviewer")).get("/admin/dashboard")).text
    themes = reviewer[reviewer.index('id="themes"'):]
    assert 'id="theme-count">2<' in reviewer
    assert "At Lounge, Rosewood House" in themes and "Across 2 teams" in themes
    assert "door code, agency" in themes
    assert "Door codes for agency staff (=cmd|&#39; /C calc&#39;!A0)" in themes
    assert f"/admin/alerts/{alerts.place}" in themes and f"/admin/alerts/{old}" not in themes
    assert "Oak Lodge" not in themes and f"/admin/alerts/{alerts.team}" not in themes
    viewer = (await (await as_role("viewer")).get("/admin/dashboard")).text
    assert "Door codes for agency staff" in viewer and "door code, agency" not in viewer
    admin = (await (await as_role("admin")).get("/admin/dashboard")).text
    assert 'id="theme-count">4<' in admin and "At about 20:00 across places" in admin
    only_b = (await (await as_role("admin")).get(f"/admin/dashboard?team={world.team_b}")).text
    assert 'id="theme-count">3<' in only_b and "At Lounge, Rosewood House" not in only_b


async def test_the_governance_report_lists_alerts_with_titles_never_labels(
        as_role, alerts: Alerts) -> None:
    today = date.today()
    path = f"/admin/governance?date_from={today - timedelta(days=30)}&date_to={today}"
    for role in ("reviewer", "viewer"):
        page = (await (await as_role(role)).get(path)).text
        themes = page[page.index('id="themes"'):page.index('id="learning"')]
        assert "At Lounge, Rosewood House" in themes and "Across 2 teams" in themes
        assert "Door codes for agency staff" in themes and "No title yet" in themes
        assert "door code, agency" not in page and "calc" not in page
        assert "Oak Lodge&#39;s places" not in themes
