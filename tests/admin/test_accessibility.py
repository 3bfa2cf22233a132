"""Every admin page, as each role sees it, has no serious or critical axe-core violation.

The pages come from the side menu each role is shown (so a page added to the menu is
checked without touching this test), plus the pages reached from them: a report (one with
similar reports), an alert, a bulletin, a record's details and edit pages, the governance
report and the login page. The menu's pages have rows: alerts, repeat themes, statuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.async_api import Browser, Page
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repositories import BulletinRepository, GroupRepository, ReportRepository
from storage.vocab import REPORT_STATUSES
from tests.admin.conftest import World, add_report, sign_in
from tests.admin.learning_data import add_alert, add_embedded
from tests.helpers.axe import blocking_violations, describe, need_axe


@dataclass(frozen=True)
class Learned:
    report: int  # with similar reports
    alert: int  # over them


@pytest.fixture(autouse=True)
def axe_installed() -> None:
    need_axe()


@pytest.fixture
async def every_status(sessionmaker: async_sessionmaker[AsyncSession], world: World) -> None:
    """A report in each status, so every status badge is on the reports list."""
    async with sessionmaker() as session:
        session.info["actor"] = (None, "test-setup")
        reports = ReportRepository(session)
        for status in REPORT_STATUSES:
            report = await reports.get_by_id(report_id=await add_report(
                session, team_id=world.team_a, key=f"status-{status}",
                what=f"A near miss now {status}"))
            await reports.update_curation(report, status=status)
        await session.commit()


@pytest.fixture
async def bulletin(sessionmaker: async_sessionmaker[AsyncSession], world: World) -> int:
    async with sessionmaker() as session:
        draft = await BulletinRepository(session).create(
            report_id=world.report_a, title="Two checks at the trolley",
            body="A second check caught the wrong tablets.", created_by="reviewer@example.org",
            team_ids=(world.team_a,))
        await GroupRepository(session).link(team_id=world.team_a, chat_id=-1001,
                                            title="Rosewood day shift", linked_by=1,
                                            now=datetime.now(UTC))
        await session.commit()
        return draft.id


@pytest.fixture
async def learned(sessionmaker: async_sessionmaker[AsyncSession], world: World) -> Learned:
    """Similar reports with vectors and an alert over them: the Similar reports panel, the
    alerts page and the dashboard's repeat themes all have rows."""
    reports = await add_embedded(sessionmaker, team_id=world.team_a, external_ids=("ROSE-1",),
                                 texts=["Agency carer had no door code and waited outside",
                                        "Nobody told the agency worker the key safe number",
                                        "Bank staff not given the door code for the call"])
    alert = await add_alert(sessionmaker, scope="place", team_id=world.team_a, place="Lounge",
                            members=reports, label="door code, agency",
                            title="Door codes for agency staff")
    return Learned(report=reports[0], alert=alert)


async def _menu(page: Page) -> list[str]:
    """Every page the side menu links to, in menu order."""
    links = await page.eval_on_selector_all(
        "#navbar-menu a[href]", "links => links.map(a => a.href)")
    return list(dict.fromkeys(link for link in links if "#" not in link))


def _reached_pages(url: str, role: str, world: World, bulletin: int,
                   learned: Learned) -> list[str]:
    today = date.today()
    pages = [f"{url}/admin/reports/{world.report_a}", f"{url}/admin/reports/{learned.report}",
             f"{url}/admin/alerts/{learned.alert}",
             f"{url}/admin/governance?date_from={today - timedelta(days=30)}&date_to={today}"]
    if role in ("admin", "reviewer"):
        pages += [f"{url}/admin/bulletins/{bulletin}", f"{url}/admin/bulletins/{bulletin}/confirm",
                  f"{url}/admin/account/two-factor"]
    if role == "admin":
        pages += [f"{url}/admin/team/details/{world.team_a}",
                  f"{url}/admin/team/edit/{world.team_a}", f"{url}/admin/team/create"]
    return pages


async def _check(page: Page, url: str, failures: list[str]) -> None:
    response = await page.goto(url)
    assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
    violations = await blocking_violations(page)
    if violations:
        failures.append(describe(url, violations))


async def test_the_login_page_has_no_serious_accessibility_violation_and_a_main_heading(
        browser: Browser, admin_url: str) -> None:
    page = await (await browser.new_context(bypass_csp=True)).new_page()
    failures: list[str] = []
    await _check(page, f"{admin_url}/admin/login", failures)
    assert not failures, "\n\n".join(failures)
    assert await page.locator("main h1").count() == 1
    assert await page.get_by_label("Email address").count() == 1


@pytest.mark.parametrize("role", ["admin", "reviewer", "viewer"])
async def test_every_page_a_role_sees_has_no_serious_accessibility_violation(
        browser: Browser, admin_url: str, world: World, bulletin: int, every_status: None,
        learned: Learned, role: str) -> None:
    # Bypassing the page's CSP lets Playwright inject axe-core as an inline script.
    page = await (await browser.new_context(bypass_csp=True)).new_page()
    await sign_in(page, admin_url, role)
    await page.goto(f"{admin_url}/admin/reports")
    pages = await _menu(page)
    assert len(pages) >= 3, pages
    failures: list[str] = []
    for url in pages + _reached_pages(admin_url, role, world, bulletin, learned):
        await _check(page, url, failures)
    assert not failures, "\n\n".join(failures)
