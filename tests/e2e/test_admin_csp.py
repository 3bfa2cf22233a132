"""Every admin page works in a real browser under its Content-Security-Policy: no inline
script or style refused, no script error, SQLAdmin's widgets and our toasts still run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from tests.admin.conftest import PASSWORD, World, seed_world
from tests.helpers.web import serve_admin


@pytest.fixture
async def world(sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    return await seed_world(sessionmaker)


@pytest.fixture
async def admin_url(database_url: str, sessionmaker: async_sessionmaker[AsyncSession],
                    world: World, tmp_path: Path) -> AsyncIterator[str]:
    settings = Settings(_env_file=None, database_url=database_url)
    async with serve_admin(settings, sessionmaker, data_dir=tmp_path) as url:
        yield url


class Problems:
    """The console errors (Chromium reports each CSP refusal as one), uncaught errors, and
    files that failed to load (but the favicon the admin does not have)."""

    def __init__(self, page: Page) -> None:
        self.seen: list[str] = []
        self.page = page
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.seen.append(f"{page.url}: {error}"))
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.seen.append(f"{self.page.url}: {message.text}")

    def _response(self, response: Response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.seen.append(f"{response.url}: {response.status}")


async def _sign_in(page: Page, url: str) -> None:
    await page.goto(f"{url}/admin/login")
    await page.fill("input[name=username]", "admin@example.org")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{url}/admin/**")


def _pages(world: World) -> list[str]:
    today = date.today()
    period = f"date_from={today - timedelta(days=30)}&date_to={today}"
    return [
        "/admin/reports", f"/admin/reports/{world.report_a}", "/admin/dashboard",
        "/admin/governance", f"/admin/governance?{period}", "/admin/bulletins",
        "/admin/groups", "/admin/alerts", "/admin/escalations", "/admin/privacy",
        "/admin/team/list", f"/admin/team/details/{world.team_a}",
        f"/admin/team/edit/{world.team_a}", "/admin/team/create",
        "/admin/place/list", "/admin/place/create", "/admin/admin-user/list",
        "/admin/admin-user/create", "/admin/team-contact/create", "/admin/actions",
        "/admin/actions/mine", "/admin/sign-in-failures", "/admin/account/two-factor",
    ]


async def test_every_admin_page_runs_under_its_content_security_policy(
        browser: Browser, admin_url: str, world: World) -> None:
    page = await browser.new_page()
    problems = Problems(page)
    await _sign_in(page, admin_url)
    for path in _pages(world):
        response = await page.goto(f"{admin_url}{path}")
        assert response is not None and response.status == 200, path
        assert "content-security-policy" in response.headers, path
        await page.wait_for_load_state("load")
    assert problems.seen == []


async def test_flash_toasts_and_the_governance_style_still_work_under_the_policy(
        browser: Browser, admin_url: str, world: World) -> None:
    page = await browser.new_page()
    problems = Problems(page)
    await _sign_in(page, admin_url)

    today = date.today()
    await page.goto(f"{admin_url}/admin/governance?date_from={today}&date_to={today}")
    # The standalone report keeps its own <style>: its headings are underlined by it.
    border = await page.evaluate("getComputedStyle(document.querySelector('h2'))"
                                 ".borderBottomStyle")
    assert border == "solid"

    await page.goto(f"{admin_url}/admin/reports/{world.report_a}")
    await page.select_option("#status", "in_review")
    await page.click("text=Save curation")
    toast = page.locator(".toast.admin-toast")
    await toast.wait_for(state="visible")  # shown by toasts.js, not an inline script
    assert "Curation saved." in await toast.inner_text()
    assert problems.seen == []
