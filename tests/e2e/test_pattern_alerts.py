"""Similar near misses filed through the bot warn the team's linked group once, without words:
one hazard in three wordings under three categories alerts; unrelated reports of one category
at one place do not."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.app import create_app
from admin.security import hash_password
from bot.dispatcher import create_bot
from bot.patterns import pattern_watch
from bot.sending import OutboxSender
from core.i18n import Translator
from core.settings import Settings, locales_dir
from storage.models import Team
from storage.repositories import AdminUserRepository
from storage.repositories.alert_views import AlertViewRepository
from tests.admin.conftest import PASSWORD
from tests.e2e.flow import NO_HARM
from tests.e2e.test_learning_flash import LEAD, _link_group
from tests.helpers.admin_client import AdminClient
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import FakeTelegram
from tests.helpers.fake_telegram.client import ChatClient
from tests.helpers.hazards import DOOR_CODE, UNRELATED, WORKERS_WORDS

GROUP = -1001
LABELS = {"safeguarding": "Safeguarding", "environment": "Environment and equipment",
          "other": "Other"}
Report = tuple[str, str, str]


async def _file(chat: ChatClient, first: str, report: Report) -> None:
    """One quick report: today, in the kitchen, in the worker's words."""
    what, how, category = report
    await chat.send(first)
    await chat.click(NO_HARM)
    await chat.click("Today")
    evening = datetime.now(ZoneInfo("Europe/London")).hour >= 12
    await chat.click("Afternoon" if evening else "Night")
    await chat.click("Kitchen")
    await chat.click(LABELS[category])
    await chat.send(what)
    await chat.send(how)
    await chat.click("Skip")
    await chat.click("Nobody yet")
    await chat.click("Skip")
    await chat.click("Named")
    await chat.click("Submit report")
    assert "A reviewer reads every report" in chat.last_text()


async def _deliver(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The pattern pass over the reports filed, then the outbox, as `nearmiss run` does."""
    await pattern_watch(settings, sessionmaker, Translator(locales_dir(), "en")).drain()
    bot = create_bot(settings)
    try:
        await OutboxSender(bot, sessionmaker, worker_id="test").drain()
    finally:
        await bot.session.close()


async def _file_reports(fake: FakeTelegram, team: Team, reports: list[Report]) -> ChatClient:
    chat = fake.private_chat(1001, "Amara")
    for n, report in enumerate(reports):
        await _file(chat, f"/start {team.code}" if n == 0 else "/report", report)
    return chat


async def test_one_hazard_in_three_wordings_warns_the_linked_group_once(
        fake: FakeTelegram, running: RunningBot, team: Team, settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    fake.private_chat(LEAD, "Dee")
    await _link_group(fake, sessionmaker, team.id, GROUP, "Rosewood day shift")
    before = len(fake.chat(GROUP).messages)
    chat = await _file_reports(fake, team, DOOR_CODE[:3])
    await _deliver(settings, sessionmaker)
    await _file(chat, "/report", DOOR_CODE[3])  # the fourth joins: counted, not warned again
    await _deliver(settings, sessionmaker)
    warnings = [m for m in fake.chat(GROUP).texts()[before:] if "similar near misses" in m]
    assert warnings == ["3 similar near misses in 1 day at Kitchen; a reviewer is looking at "
                        "them.\nKinds of near miss: Environment and equipment, Other, "
                        "Safeguarding."]
    assert not any(word in warnings[0].lower() for word in (*WORKERS_WORDS, "amara"))
    assert not any("similar near misses" in text for text in chat.texts())
    async with sessionmaker() as session:
        [view] = await AlertViewRepository(session).every(team_ids=[team.id])
    alert, members = view.alert, view.members
    assert alert.report_count == len(members) == 4 and alert.scope == "place"
    # The team's reviewer sees that one alert, with its reports, on the admin's Alerts page.
    page = await _alerts_page(settings, sessionmaker, team)
    assert page.count("alert-members") == 1
    assert all(member.reference in page for member in members)


async def _alerts_page(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                       team: Team) -> str:
    """/admin/alerts as a reviewer of the team, through the real admin app."""
    async with sessionmaker.begin() as session:
        await AdminUserRepository(session).create(
            email="reviewer@example.org", password_hash=hash_password(PASSWORD),
            role="reviewer", team_ids=[team.id])
    app = create_app(settings, sessionmaker, failed_login_delay=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        reviewer = AdminClient(http)
        assert (await reviewer.login("reviewer@example.org", PASSWORD)).status_code == 302
        response = await reviewer.get("/admin/alerts")
    assert response.status_code == 200
    return response.text


async def test_unrelated_reports_of_one_category_at_one_place_warn_nobody(
        fake: FakeTelegram, running: RunningBot, team: Team, settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    fake.private_chat(LEAD, "Dee")
    await _link_group(fake, sessionmaker, team.id, GROUP, "Rosewood day shift")
    await _file_reports(fake, team, UNRELATED)
    await _deliver(settings, sessionmaker)
    assert not any("similar near misses" in text for text in fake.chat(GROUP).texts())
    async with sessionmaker() as session:
        assert await AlertViewRepository(session).every(team_ids=None) == []
