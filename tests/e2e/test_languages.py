"""A Welsh-speaking worker reports in Welsh; /language changes it and the choice is kept."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Report, Team
from tests.e2e.flow import no_harm, privacy
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import FakeTelegram


async def test_a_welsh_speaking_worker_reports_in_welsh(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(3001, "Siân", language_code="cy")
    await chat.send("/help")
    greeting = chat.texts()[0]
    assert greeting.startswith("Helo Siân!") and "heb fai" in greeting  # blame-free, in Welsh
    await chat.send(f"/start {team.code}")
    assert "Cwestiwn 1 o 11" in chat.last_text()
    await no_harm(chat)
    assert chat.buttons()[:2] == ["Heddiw", "Ddoe"]
    await chat.click("Ddoe")
    await chat.send("2yh")  # Welsh pm
    assert "Cwestiwn 4 o 11" in chat.last_text()
    await chat.click("Kitchen")  # place names are the team's own words
    await chat.click("Meddyginiaeth")
    await chat.send("Bu bron i breswylydd gael y tabledi anghywir")
    await chat.send("Gwiriodd cydweithiwr y siart")
    await chat.click("Hepgor")
    await chat.click("Neb eto")
    await chat.click("Hepgor")
    await privacy(chat, "named")
    summary = chat.last_text()
    assert "Meddyginiaeth" in summary and "Wedi'i hepgor" in summary
    assert "14:00 (Prynhawn)" in summary
    await chat.click("Anfon yr adroddiad")
    assert "NM-" in chat.last_text()
    async with sessionmaker() as session:
        report = (await session.scalars(select(Report))).one()
    assert report.language == "cy"
    assert report.what_happened == "Bu bron i breswylydd gael y tabledi anghywir"


async def test_language_choice_is_remembered_across_a_restart(
        fake: FakeTelegram, running: RunningBot, team: Team) -> None:
    chat = fake.private_chat(3002, "Tom", language_code="en")
    await chat.send(f"/start {team.code}")
    await no_harm(chat)
    await chat.click("Yesterday")  # "Bore" below is past whatever the hour
    await chat.send("/language")
    assert chat.buttons() == ["Cymraeg", "English"]
    await chat.click("Cymraeg")
    assert "Bydda i'n defnyddio Cymraeg" in chat.texts()[-2]
    assert "Cwestiwn 3 o 11" in chat.last_text()  # the report carries on, now in Welsh
    await running.restart()
    await chat.click("Bore")
    assert "Cwestiwn 4 o 11" in chat.last_text()
    await chat.send("/language")
    await chat.click("English")
    assert "I'll use English from now on" in chat.texts()[-2]
    assert "Question 4 of 11" in chat.last_text()


async def test_a_language_without_a_catalog_falls_back_to_english(
        fake: FakeTelegram, running: RunningBot, team: Team) -> None:
    chat = fake.private_chat(3003, "Ola", language_code="pl")
    await chat.send(f"/start {team.code}")
    assert "Question 1 of 11" in chat.last_text()


async def test_commands_are_described_in_each_language(fake: FakeTelegram,
                                                       running: RunningBot) -> None:
    calls = fake.calls_to("setMyCommands")
    by_language = {call.params.get("language_code"): call.params["commands"] for call in calls}
    assert set(by_language) == {None, "en", "cy"}
    welsh = {command["command"]: command["description"] for command in by_language["cy"]}
    assert welsh["report"] != "Report a near miss" and welsh["report"]
