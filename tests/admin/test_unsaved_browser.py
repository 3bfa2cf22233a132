"""In a real browser, nothing typed is lost and nothing is sent unseen.

Approve and send takes the text in the box (saved or not) and shows it, with the group
chats, before anything goes; the report page's curation and action forms each keep what was
typed in the other while one of them is saved.
"""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.async_api import Browser
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Action, OutboxMessage, Report
from storage.repositories import BulletinRepository, GroupRepository
from tests.admin.conftest import World, sign_in


async def _bulletin_texts(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(OutboxMessage.text).where(
            OutboxMessage.kind == "bulletin")))


async def test_approve_and_send_shows_the_typed_text_and_its_groups_before_sending_it(
        browser: Browser, admin_url: str, world: World,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        await GroupRepository(session).link(team_id=world.team_a, chat_id=-1001,
                                            title="Rosewood day shift", linked_by=1,
                                            now=datetime.now(UTC))
        draft = await BulletinRepository(session).create(
            report_id=world.report_a, title="Two checks", body="The saved text.",
            created_by="reviewer@example.org", team_ids=(world.team_a,))
        await session.commit()
    page = await browser.new_page()
    await sign_in(page, admin_url, "reviewer")
    await page.goto(f"{admin_url}/admin/bulletins/{draft.id}")
    await page.fill("#body", "The text typed just now, never saved.")
    await page.click("#approve")
    await page.wait_for_url("**/confirm")
    assert "The text typed just now, never saved." in await page.inner_text("#confirm-text")
    assert "The saved text." not in await page.inner_text("#confirm-text")
    assert "Rosewood day shift" in await page.inner_text("#confirm-chats")
    assert await _bulletin_texts(sessionmaker) == []  # nothing before the confirmation

    await page.click("#confirm-send")
    await page.wait_for_url(f"**/admin/bulletins/{draft.id}")
    texts = await _bulletin_texts(sessionmaker)
    assert len(texts) == 1 and "The text typed just now, never saved." in texts[0]


async def test_typed_curation_is_kept_when_an_action_is_updated(
        browser: Browser, admin_url: str, world: World,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    page = await browser.new_page()
    await sign_in(page, admin_url, "reviewer")
    await page.goto(f"{admin_url}/admin/reports/{world.report_a}")
    await page.fill("#review_why", "The pots look alike.")
    form = page.locator(f"#action-{world.action_a}")
    await form.locator("input[name=outcome_evidence]").fill("Re-audit: no errors in May")
    await form.get_by_role("button", name="Update action").click()
    await page.wait_for_selector("#curation .unsaved-note")

    assert await page.input_value("#review_why") == "The pots look alike."
    async with sessionmaker() as session:
        action = await session.get(Action, world.action_a)
        assert action.outcome_evidence == "Re-audit: no errors in May"

    await page.click("text=Save curation")
    await page.wait_for_load_state()
    await page.reload()
    assert await page.input_value("#review_why") == "The pots look alike."
    assert await page.locator(".unsaved-note").count() == 0
    async with sessionmaker() as session:
        report = await session.get(Report, world.report_a)
        assert report.review_why == "The pots look alike."


async def test_typed_action_evidence_is_kept_when_the_curation_is_saved(
        browser: Browser, admin_url: str, world: World) -> None:
    page = await browser.new_page()
    await sign_in(page, admin_url, "reviewer")
    await page.goto(f"{admin_url}/admin/reports/{world.report_a}")
    form = page.locator(f"#action-{world.action_a}")
    await form.locator("input[name=outcome_evidence]").fill("Typed, not saved")
    await page.fill("#description", "A new action, half written")
    await page.click("text=Save curation")
    await page.wait_for_selector(f"#action-{world.action_a} .unsaved-note")
    assert await form.locator("input[name=outcome_evidence]").input_value() == "Typed, not saved"
    assert await page.input_value("#description") == "A new action, half written"
