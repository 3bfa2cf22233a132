"""In a real browser: where signing in lands, the menu by role, and the action tracker's day."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from playwright.async_api import Browser, Page
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from tests.admin.conftest import PASSWORD, World, seed_world
from tests.helpers.web import serve_admin

DESKTOP = {"width": 1280, "height": 900}  # wide enough for the whole menu bar


@pytest.fixture
async def seeded(sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    return await seed_world(sessionmaker)


@pytest.fixture
async def admin_url(database_url: str, sessionmaker: async_sessionmaker[AsyncSession],
                    seeded: World, tmp_path) -> AsyncIterator[str]:
    settings = Settings(_env_file=None, database_url=database_url, data_dir=tmp_path)
    async with serve_admin(settings, sessionmaker) as url:
        yield url


async def _sign_in(browser: Browser, url: str, email: str) -> Page:
    page = await browser.new_page(viewport=DESKTOP)
    await page.goto(f"{url}/admin/login")
    await page.fill("input[name=username]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_load_state()
    return page


async def test_each_role_lands_on_its_page_and_sees_only_the_menus_it_can_use(
        admin_url: str, browser: Browser) -> None:
    viewer = await _sign_in(browser, admin_url, "viewer@example.org")
    assert viewer.url == f"{admin_url}/admin/dashboard"
    assert await viewer.locator("#charts").count() == 1
    menu = await viewer.inner_text("#navbar-menu")
    assert "Setup" not in menu and "Actions" not in menu and "Reports" in menu

    reviewer = await _sign_in(browser, admin_url, "reviewer@example.org")
    assert reviewer.url == f"{admin_url}/admin/reports"
    assert await reviewer.locator("#reports-table").count() == 1
    menu = await reviewer.inner_text("#navbar-menu")
    assert "Setup" not in menu and "My actions" in menu

    admin = await _sign_in(browser, admin_url, "admin@example.org")
    assert admin.url == f"{admin_url}/admin/reports"
    await admin.click("#navbar-menu >> text=Setup")
    await admin.click("#navbar-menu >> text=Users")
    await admin.wait_for_url(f"{admin_url}/admin/admin-user/list")


async def test_a_reviewer_tracks_an_action_from_owner_to_reaudit(
        admin_url: str, seeded: World, browser: Browser) -> None:
    today = date.today()
    page = await _sign_in(browser, admin_url, "reviewer@example.org")
    await page.goto(f"{admin_url}/admin/reports/{seeded.report_a}")
    await page.fill("#description", "Colour-coded medicine pots")
    await page.select_option("#owner_user_id", label="reviewer@example.org")
    await page.fill("#due_date", (today + timedelta(days=7)).isoformat())
    await page.click("text=Add action")
    assert "Action added." in await page.content()

    await page.click("#navbar-menu >> text=My actions")
    await page.wait_for_url(f"{admin_url}/admin/actions/mine")
    table = page.locator("#actions-table tbody tr")
    assert await table.count() == 1
    assert "Colour-coded medicine pots" in await table.first.inner_text()
    await table.first.locator("a").click()
    await page.wait_for_url(f"{admin_url}/admin/reports/{seeded.report_a}#action-*")
    action_id = page.url.rsplit("#action-", 1)[1]
    item = page.locator(f"#action-{action_id}")
    await item.locator("select[name=status]").select_option("done")
    await item.locator("input[name=recheck_by]").fill(today.isoformat())
    await item.locator("text=Update action").click()
    assert "Action updated." in await page.content()

    await page.locator("#navbar-menu").get_by_role("link", name="Actions", exact=True).click()
    await page.wait_for_url(f"{admin_url}/admin/actions")
    rows = page.locator("#actions-table tbody tr")
    first = await rows.first.inner_text()
    assert "Photo ID on every MAR chart" in first and "Overdue" in first
    assert "Colour-coded medicine pots" in await rows.last.inner_text()
    headings = await page.inner_text("#actions-table thead")
    assert "due_date" not in headings and "Check it worked by" in headings

    due = page.locator(f"#recheck-{action_id}")
    await due.locator("input[name=recheck_outcome]").fill("No mix-ups in a month of audits")
    await due.locator("text=Record re-audit").click()
    await page.wait_for_url(f"{admin_url}/admin/actions")
    assert "Re-audit recorded." in await page.content()
    assert await page.locator("#rechecks-due").count() == 0

    await page.select_option("#status", "overdue")
    await page.click("text=Apply filters")
    assert await rows.count() == 1
    assert "Photo ID on every MAR chart" in await rows.first.inner_text()

    response = await page.goto(f"{admin_url}/admin/actions?due_from=next-week")
    assert response is not None and response.status == 400
    assert "Dates must be real dates from 2000-01-01 to 2100-12-31" in await page.content()
