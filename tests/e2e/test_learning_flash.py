"""A learning flash approved in the admin reaches exactly the linked groups of its team."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.app import create_app
from admin.security import hash_password
from bot.dispatcher import create_bot
from bot.sending import OutboxSender
from core.settings import Settings
from storage.models import Team
from storage.repositories import (
    AdminUserRepository,
    GroupRepository,
    ReportRepository,
    TeamRepository,
)
from storage.schemas import ReportCreate
from tests.e2e.flow import no_harm, privacy
from tests.helpers.admin_client import AdminClient
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import FakeTelegram

LEAD = 900


async def _link_group(fake: FakeTelegram, sessionmaker: async_sessionmaker[AsyncSession],
                      team_id: int, chat_id: int, title: str) -> None:
    """A group lead adds the bot and sends /link with a fresh code from the admin."""
    group = fake.group_chat(chat_id, title)
    group.set_member_status(LEAD, "administrator")
    async with sessionmaker.begin() as session:
        code = await GroupRepository(session).create_code(
            team_id=team_id, created_by="admin@example.org", now=datetime.now(UTC))
    await group.send(f"/link {code.code}", from_user=LEAD)
    assert "now linked" in group.last_text()


@asynccontextmanager
async def _reviewer(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                    data_dir: Path, email: str = "rev@example.org",
                    password: str = "reviewer password 1") -> AsyncIterator[AdminClient]:
    """The admin app, signed in as rev@example.org, or `email` (created by the test)."""
    app = create_app(settings.model_copy(update={"data_dir": data_dir,
                                                 "admin_base_url": "http://admin"}), sessionmaker,
                     failed_login_delay=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://admin") as http:
        reviewer = AdminClient(http)
        await reviewer.login(email, password)
        yield reviewer


async def _drain(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Send everything due in the outbox, as the sender in `nearmiss run` does."""
    bot = create_bot(settings)
    try:
        await OutboxSender(bot, sessionmaker, worker_id="test").drain()
    finally:
        await bot.session.close()


async def _report(sessionmaker: async_sessionmaker[AsyncSession], team_id: int) -> int:
    async with sessionmaker.begin() as session:
        report = await ReportRepository(session).create(data=ReportCreate(
            confidentiality="anonymous", draft_key="flash", team_id=team_id, language="en",
            occurred_date=date.today(), occurred_time=None, time_of_day="morning",
            place="Kitchen", place_id=None, category="environment",
            what_happened="Mr Evans nearly scalded by the urn", how_prevented="Jo moved him",
            immediate_action=None, told=("manager",), suggestions=None,
            submitted_at=datetime.now(UTC)))
        await AdminUserRepository(session).create(
            email="rev@example.org", role="reviewer",
            password_hash=hash_password("reviewer password 1"), team_ids=(team_id,))
    return report.id


async def test_an_approved_flash_reaches_only_the_linked_groups_of_its_team(
        fake: FakeTelegram, running: RunningBot, team: Team, settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path) -> None:
    fake.private_chat(LEAD, "Dee")
    async with sessionmaker.begin() as session:
        other = await TeamRepository(session).create(name="Oak Lodge")
    await _link_group(fake, sessionmaker, team.id, -1001, "Rosewood day shift")
    await _link_group(fake, sessionmaker, team.id, -1002, "Rosewood night shift")
    await _link_group(fake, sessionmaker, other.id, -2001, "Oak Lodge team")
    unlinked = fake.group_chat(-3001, "Staff social")
    report_id = await _report(sessionmaker, team.id)

    async with _reviewer(settings, sessionmaker, tmp_path) as reviewer:
        await reviewer.post(f"/admin/reports/{report_id}/curate", {
            "status": "actions_agreed",
            "redacted_summary": "A resident was nearly scalded by the tea urn.",
            "redacted_prevented": "A colleague moved the resident & turned the urn off."})
        created = await reviewer.post(f"/admin/reports/{report_id}/bulletin")
        sent = await reviewer.approve_and_send(created.headers["location"])
        assert sent.status_code == 303

    await _drain(settings, sessionmaker)
    for chat_id in (-1001, -1002):
        text = fake.chat(chat_id).last_text()
        assert text.startswith("Learning from a near miss: Environment and equipment")
        assert "moved the resident & turned the urn off" in text
        assert "Mr Evans" not in text and "Jo" not in text.split()
    assert "Learning from a near miss" not in fake.chat(-2001).last_text()
    assert unlinked.messages == []


async def test_a_group_that_refuses_the_bot_is_unlinked_by_the_running_sender(
        fake: FakeTelegram, running: RunningBot, team: Team, settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    from nearmiss.bot_in_app import BotInApp
    from storage.repositories import OutboxRepository

    fake.private_chat(LEAD, "Dee")
    await _link_group(fake, sessionmaker, team.id, -1001, "Rosewood day shift")
    await _link_group(fake, sessionmaker, team.id, -1002, "Rosewood night shift")
    fake.chat(-1002).remove_bot()  # kicked, and Telegram's my_chat_member never came
    fake.expect_refusal("sendMessage", -1002, 403)
    async with sessionmaker.begin() as session:
        await OutboxRepository(session).enqueue(batch="bulletin:99", kind="bulletin", messages=[
            (-1001, True, "<b>Learning</b>"), (-1002, True, "<b>Learning</b>")])
    bot = create_bot(settings)
    try:
        await BotInApp(settings, sessionmaker, enabled=True)._sender(bot).drain()
    finally:
        await bot.session.close()
    async with sessionmaker() as session:
        groups = GroupRepository(session)
        day, night = await groups.get(chat_id=-1001), await groups.get(chat_id=-1002)
        counts = await OutboxRepository(session).status_counts(batch="bulletin:99")
    assert day is not None and day.active
    assert night is not None and not night.active and night.deactivated_reason == "403"
    assert counts == {"sent": 1, "failed": 1}


async def test_the_worker_hears_you_said_we_did_in_their_own_language(
        fake: FakeTelegram, running: RunningBot, team: Team, settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path) -> None:
    from storage.repositories import ActionRepository

    chat = fake.private_chat(7100, "Siân", language_code="cy")
    await chat.send(f"/start {team.code}")
    await no_harm(chat)
    for label in ("Ddoe", "Bore", "Kitchen", "Meddyginiaeth"):
        await chat.click(label)
    await chat.send("Bu bron i breswylydd gael y tabledi anghywir")
    await chat.send("Gwiriodd cydweithiwr y siart")
    await chat.click("Hepgor")
    await chat.click("Neb eto")
    await chat.click("Hepgor")
    await privacy(chat, "named")
    await chat.click("Anfon yr adroddiad")
    reference = re.search(r"NM-\d{4}-\d{4}", chat.last_text())[0]
    async with sessionmaker.begin() as session:
        session.info["actor"] = (None, "test-setup")
        report = await ReportRepository(session).get(reference=reference)
        assert report is not None
        await ActionRepository(session).create(report_id=report.id, owner="Rheolwr",
                                               description="Lluniau ar bob siart MAR")
        await AdminUserRepository(session).create(
            email="rev@example.org", role="reviewer",
            password_hash=hash_password("reviewer password 1"), team_ids=(team.id,))
    async with _reviewer(settings, sessionmaker, tmp_path) as reviewer:
        await reviewer.post(f"/admin/reports/{report.id}/curate", {"status": "actions_agreed"})
    await _drain(settings, sessionmaker)
    message = chat.last_text()
    assert reference in message and "Lluniau ar bob siart MAR" in message
    assert "You said" not in message  # in Welsh, as the worker reported
