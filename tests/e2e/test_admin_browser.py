"""A reviewer in a real browser curates the report a worker just filed through the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.security import hash_password
from core.settings import Settings
from storage.models import Team
from storage.repositories import AdminUserRepository
from tests.e2e.flow import NO_HARM
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import FakeTelegram
from tests.helpers.web import serve_admin

PASSWORD = "a long reviewer password"



@pytest.fixture
async def admin_url(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                    team: Team, tmp_path) -> AsyncIterator[str]:
    async with sessionmaker() as session:
        await AdminUserRepository(session).create(
            email="rev@example.org", role="reviewer", password_hash=hash_password(PASSWORD),
            team_ids=(team.id,))
        await session.commit()
    async with serve_admin(settings, sessionmaker, data_dir=tmp_path) as url:
        yield url


async def _file_report(fake: FakeTelegram, team: Team) -> str:
    chat = fake.private_chat(7001, "Amara")
    await chat.send(f"/start {team.code}")
    for label in (NO_HARM, "Yesterday", "Evening", "Kitchen", "Medication"):
        await chat.click(label)
    await chat.send("Tablets for room 4 were nearly given to room 5 <3 & A&E avoided")
    await chat.send("The second signature check caught it")
    await chat.click("Skip")
    await chat.click("Nobody yet")
    await chat.click("Skip")
    await chat.click("Named")
    await chat.click("Submit report")
    reference = chat.last_text().split("reference ")[1].split(".")[0]
    assert reference.startswith("NM-")
    return reference


async def _sign_in(page: Page, url: str) -> None:
    await page.goto(f"{url}/admin/login")
    await page.fill("input[name=username]", "rev@example.org")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{url}/admin/**")


async def test_a_reviewer_curates_a_report_filed_through_the_bot(
        fake: FakeTelegram, running: RunningBot, team: Team, admin_url: str,
        browser: Browser, tmp_path) -> None:
    reference = await _file_report(fake, team)
    page = await browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    await _sign_in(page, admin_url)

    await page.goto(f"{admin_url}/admin/reports")
    await page.select_option("#category", "falls")
    await page.click("text=Apply filters")
    assert "No reports match these filters." in await page.inner_text("#reports-table")
    await page.select_option("#category", "medication")
    await page.fill("#q", "room 4")
    await page.click("text=Apply filters")
    await page.click(f"text={reference}")
    words = await page.inner_text("#what-happened")
    assert words == "Tablets for room 4 were nearly given to room 5 <3 & A&E avoided"

    await page.select_option("#status", "in_review")
    await page.select_option("#tier", "moderate")
    await page.click("text=Save curation")
    assert "Curation saved." in await page.content()
    audit = await page.inner_text("#audit")
    assert "rev@example.org" in audit and "in_review" in audit and "moderate" in audit

    await page.fill("#description", "Photographs on every MAR chart")
    await page.fill("#owner", "Deputy manager")
    await page.click("text=Add action")
    assert "Photographs on every MAR chart" in await page.inner_text("#actions")

    await page.goto(f"{admin_url}/admin/dashboard")
    charts = page.locator("#charts svg.nearmiss-chart")
    assert await charts.count() >= 6
    assert "Medication" in await page.inner_text("#charts")
    assert await page.inner_text("#total") == "1"
    # A bar leads to the reports it counts.
    await page.locator('#charts a[href*="category=medication"]').first.click()
    await page.wait_for_url("**/admin/reports?category=medication**")
    assert reference in await page.inner_text("#reports-table")

    await page.goto(f"{admin_url}/admin/reports")
    async with page.expect_download() as download_info:
        await page.click("#export-csv")
    download = await download_info.value
    saved = tmp_path / "export.csv"
    await download.save_as(saved)
    exported = saved.read_text(encoding="utf-8-sig")
    assert reference in exported and "room 4" in exported


async def test_an_admin_adds_a_place_that_workers_then_see_in_the_bot(
        fake: FakeTelegram, running: RunningBot, team: Team, browser: Browser,
        settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], tmp_path) -> None:
    async with sessionmaker() as session:
        await AdminUserRepository(session).create(
            email="boss@example.org", role="admin", password_hash=hash_password(PASSWORD))
        await session.commit()
    async with serve_admin(settings, sessionmaker, data_dir=tmp_path) as url:
        page = await browser.new_page()
        await page.goto(f"{url}/admin/login")
        await page.fill("input[name=username]", "boss@example.org")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{url}/admin/**")
        # SQLAdmin's own form: its CSRF token comes from admin/static/csrf.js.
        await page.goto(f"{url}/admin/place/create")
        await page.select_option("select[name=team]", label="Rosewood House")
        await page.fill("input[name=name]", "Medication room")
        await page.fill("input[name=position]", "9")
        await page.click("input[type=submit][value=Save]")
        await page.wait_for_url(f"{url}/admin/place/list")
        assert "Medication room" in await page.content()
    chat = fake.private_chat(7002, "Bea")
    await chat.send(f"/start {team.code}")
    await chat.click(NO_HARM)
    await chat.click("Today")
    await chat.click("Night")
    assert "Medication room" in chat.buttons()
