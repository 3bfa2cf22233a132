"""Similar near misses filed through the bot warn the team's linked group once, without words."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dispatcher import create_bot
from bot.patterns import pattern_watch
from bot.sending import OutboxSender
from core.i18n import Translator
from core.settings import Settings, locales_dir
from storage.models import Team
from storage.repositories import PatternRepository
from tests.e2e.flow import NO_HARM
from tests.e2e.test_learning_flash import LEAD, _link_group
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import FakeTelegram
from tests.helpers.fake_telegram.client import ChatClient

GROUP = -1001
WORDS = "Mrs Patel nearly given Mr Hughes's tablets at the lunchtime round"


async def _file(chat: ChatClient, first: str) -> None:
    """One quick report: today, in the kitchen, about medication."""
    await chat.send(first)
    await chat.click(NO_HARM)
    await chat.click("Today")
    evening = datetime.now(ZoneInfo("Europe/London")).hour >= 12
    await chat.click("Afternoon" if evening else "Night")
    await chat.click("Kitchen")
    await chat.click("Medication")
    await chat.send(WORDS)
    await chat.send("Second staff check against the chart caught it")
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


async def _file_reports(fake: FakeTelegram, team: Team, count: int) -> ChatClient:
    chat = fake.private_chat(1001, "Amara")
    for n in range(count):
        await _file(chat, f"/start {team.code}" if n == 0 else "/report")
    return chat


async def test_three_similar_reports_warn_the_linked_group_once(
        fake: FakeTelegram, running: RunningBot, team: Team, settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    fake.private_chat(LEAD, "Dee")
    await _link_group(fake, sessionmaker, team.id, GROUP, "Rosewood day shift")
    before = len(fake.chat(GROUP).messages)
    chat = await _file_reports(fake, team, 3)
    await _deliver(settings, sessionmaker)
    await _file(chat, "/report")  # the fourth joins the cluster: counted, not warned again
    await _deliver(settings, sessionmaker)
    warnings = [m for m in fake.chat(GROUP).texts()[before:] if m.startswith("Heads-up")]
    assert warnings == ["Heads-up: 3 near misses about Medication at Kitchen in the last 30 "
                        "days. Take a moment at handover to talk about it."]
    assert "Patel" not in warnings[0] and "Amara" not in warnings[0]
    assert not any("Heads-up" in text for text in chat.texts())
    async with sessionmaker() as session:
        [alert] = await PatternRepository(session).list(team_ids=[team.id])
    assert alert.report_count == 4


async def test_two_similar_reports_warn_nobody(
        fake: FakeTelegram, running: RunningBot, team: Team, settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    fake.private_chat(LEAD, "Dee")
    await _link_group(fake, sessionmaker, team.id, GROUP, "Rosewood day shift")
    await _file_reports(fake, team, 2)
    await _deliver(settings, sessionmaker)
    assert not any("Heads-up" in text for text in fake.chat(GROUP).texts())
