"""A support worker files a near miss in Telegram, end to end, through the real dispatcher."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings, identity_key
from storage.models import FsmRecord, Report, ReportIdentity, Team
from storage.repositories import ReporterRepository, TeamRepository
from tests.e2e.flow import NO_HARM, no_harm, privacy
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import FakeTelegram

YEAR = datetime.now(ZoneInfo("Europe/London")).year


async def _reports(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Report]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(Report).order_by(Report.id))).all())


async def test_a_newcomer_joins_by_invite_link_and_files_a_report(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(1001, "Amara", language_code="en-GB")
    actions = 0

    async def send(text: str) -> None:
        nonlocal actions
        actions += 1
        await chat.send(text)

    async def click(label: str) -> None:
        nonlocal actions
        actions += 1
        await chat.click(label)

    await send(f"/start {team.code}")
    # One message: the welcome heads the first question.
    assert chat.texts() == [chat.last_text()]
    assert chat.last_text().startswith("Welcome to Rosewood House")
    assert "Question 1 of 11" in chat.last_text()
    assert "was anyone hurt or harmed" in chat.last_text()
    await click(NO_HARM)
    assert "Question 2 of 11" in chat.last_text()
    assert "When did it happen?" in chat.last_text()
    await click("Today")
    assert "Question 3 of 11" in chat.last_text()
    await click("Afternoon") if datetime.now(ZoneInfo("Europe/London")).hour >= 12 else \
        await click("Night")
    assert "Where did it happen?" in chat.last_text()
    assert chat.buttons()[:3] == ["Lounge", "Kitchen", "Garden"]
    await click("Kitchen")
    await click("Medication")
    await send("Wrong tablets nearly given to a resident at the lunchtime round")
    await send("Second staff check against the chart caught it")
    await click("Skip")
    await click("Nobody yet")
    await click("Skip")
    assert "Question 11 of 11" in chat.last_text()
    assert "Anonymous: nobody can see who you are" in chat.last_text()
    await click("Named")
    summary = chat.last_text()
    assert "Please check your report" in summary
    for expected in ("Kitchen", "Medication", "Wrong tablets nearly given", "Nobody yet",
                     "Skipped", f"Harm or safeguarding: {NO_HARM}", "Privacy: Named"):
        assert expected in summary
    await click("Submit report")
    assert actions == 13, "the quickest report: 13 taps and messages, two of them typed"
    thanks = chat.last_text()
    assert f"NM-{YEAR}-0001" in thanks and "A reviewer reads every report" in thanks
    assert "I will tell you what changes" in thanks and "incident" not in thanks

    [report] = await _reports(sessionmaker)
    assert report.reference == f"NM-{YEAR}-0001"
    assert (report.place, report.category, report.team_id) == ("Kitchen", "medication", team.id)
    assert report.place_id is not None
    assert report.what_happened == "Wrong tablets nearly given to a resident at the lunchtime round"
    assert report.how_prevented == "Second staff check against the chart caught it"
    assert report.immediate_action is None and report.suggestions is None
    assert report.told_parties == ["nobody"]
    assert report.language == "en" and report.status == "new"
    assert (report.kind, report.tier, report.confidentiality) == ("near_miss", None, "named")
    assert not report.someone_harmed and not report.safeguarding_concern
    assert report.occurred_date == datetime.now(ZoneInfo("Europe/London")).date()
    async with sessionmaker() as session:
        identity = await session.get(ReportIdentity, report.id)
        assert identity is not None and identity.telegram_user_id == 1001
    # The finished report leaves no draft behind.
    async with sessionmaker() as session:
        assert (await session.scalars(select(FsmRecord))).all() == []
    await chat.send("/report")
    assert "Question 1 of 11" in chat.last_text()


async def test_someone_without_a_code_is_told_how_to_get_one(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(1002, "Ben")
    await chat.send("/report")
    assert "join your team first" in chat.last_text()
    assert "manager" in chat.last_text()
    await chat.send("NOTACODE")
    assert "couldn't find a team with that code" in chat.last_text()
    await chat.send_sticker()
    assert "type your team code as text" in chat.last_text()
    await chat.send(f" {team.code[:4].lower()}-{team.code[4:].lower()} ")
    assert any("Welcome to Rosewood House" in text for text in chat.texts())
    assert "Question 1 of 11" in chat.last_text()
    assert await _reports(sessionmaker) == []


async def test_a_worker_moves_team_with_a_new_code(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        other = await TeamRepository(session).create(name="Oak Lodge", places=("Hall",))
        await session.commit()
    chat = fake.private_chat(1003, "Cai")
    await chat.send(f"/start {team.code}")
    await chat.click("Cancel")
    await chat.click("Yes, discard it")
    await chat.send(f"/join {other.code}")
    assert any("Welcome to Oak Lodge" in text for text in chat.texts())
    await no_harm(chat)
    await chat.click("Today")
    await chat.click("Night")
    assert chat.buttons()[0] == "Hall"
    async with sessionmaker() as session:
        reporter = await ReporterRepository(
            session, identity_key=identity_key(running.settings)).get_by_telegram_id(
            telegram_user_id=1003)
        assert reporter is not None and reporter.team_id == other.id


async def test_back_and_change_from_the_summary(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(1004, "Dewi")
    await chat.send(f"/start {team.code}")
    await no_harm(chat)
    await chat.send("yesterday")
    await chat.send("2pm")
    await chat.click("Back")
    assert "Roughly what time" in chat.last_text()
    assert "Your answer so far: 14:00 (Afternoon)" in chat.last_text()
    await chat.click("Keep this answer")
    await chat.send("Laundry room")
    await chat.click("Environment and equipment")
    await chat.send("Hoist sling nearly used in the wrong size")
    await chat.send("Colleague checked the label before the lift")
    await chat.send("Swapped the sling")
    await chat.click("Manager / team lead")
    await chat.click("Nurse")
    await chat.click("Done")
    await chat.send("Label slings by size on the hook")
    await chat.click("Confidential")
    assert "Please check your report" in chat.last_text()
    await chat.click("Change: Place")
    assert "Your answer so far: Laundry room" in chat.last_text()
    await chat.click("Garden")
    assert "Please check your report" in chat.last_text()
    assert "Place: Garden" in chat.last_text()
    await chat.click("Change: Who was told")
    await chat.click("Nurse")  # untick
    await chat.click("Done")
    assert "Who was told: Manager / team lead" in chat.last_text()
    await chat.click("Change: Privacy")
    assert "Your answer so far: Confidential" in chat.last_text()
    await chat.click("Anonymous")
    assert "Privacy: Anonymous" in chat.last_text()
    await chat.click("Submit report")
    [report] = await _reports(sessionmaker)
    assert report.place == "Garden" and report.told_parties == ["manager"]
    assert report.occurred_time is not None and report.occurred_time.hour == 14
    assert report.immediate_action == "Swapped the sling"
    assert report.suggestions == "Label slings by size on the hook"
    assert report.confidentiality == "anonymous"


async def test_cancel_asks_first_and_discards_the_draft(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(1005, "Efa")
    await chat.send(f"/start {team.code}")
    await no_harm(chat)
    await chat.click("Today")
    await chat.send("/cancel")
    assert "Discard this report?" in chat.last_text()
    await chat.click("No, keep going")
    assert "Roughly what time" in chat.last_text()
    await chat.click("Cancel")
    await chat.click("Yes, discard it")
    assert "Report discarded" in chat.last_text()
    await chat.send("/report")
    assert "Question 1 of 11" in chat.last_text()
    assert "in progress" not in " ".join(chat.texts()[-2:])
    assert await _reports(sessionmaker) == []


async def test_a_restart_mid_report_loses_no_answer(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(1006, "Ffion")
    await chat.send(f"/start {team.code}")
    await no_harm(chat)
    await chat.send("21/11")
    await chat.send("09:30")
    await chat.click("Lounge")
    await chat.click("Falls and mobility")
    await running.restart()
    await chat.send("A resident nearly slipped on a freshly mopped floor")
    assert "How was it prevented?" in chat.last_text()
    await running.restart()
    await chat.send("I put out the wet floor sign and guided her round")
    await chat.click("Skip")
    await chat.click("Manager / team lead")
    await chat.click("Done")
    await chat.click("Skip")
    await running.restart()
    await privacy(chat, "confidential")
    await chat.click("Submit report")
    [report] = await _reports(sessionmaker)
    assert report.occurred_date.strftime("%d/%m") == "21/11"
    assert report.occurred_time is not None and report.occurred_time.strftime("%H:%M") == "09:30"
    assert (report.place, report.category) == ("Lounge", "falls")
    assert report.what_happened == "A resident nearly slipped on a freshly mopped floor"
    assert report.how_prevented == "I put out the wet floor sign and guided her round"


async def test_fast_taps_handled_concurrently_lose_no_tick(
        fake: FakeTelegram, settings: Settings, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    runner = RunningBot(settings, sessionmaker, fake, as_tasks=True)  # as production polls
    await runner.start()
    try:
        chat = fake.private_chat(1007, "Gethin")

        async def step(act, expect: str) -> None:
            await act
            await chat.wait_for(lambda: expect in chat.last_text())

        await step(chat.send(f"/start {team.code}", wait=False), "Question 1 of 11")
        await step(no_harm(chat, wait=False), "Question 2 of 11")
        await step(chat.click("Yesterday", wait=False), "Question 3 of 11")
        await step(chat.click("Evening", wait=False), "Question 4 of 11")
        await step(chat.click("Lounge", wait=False), "Question 5 of 11")
        await step(chat.click("Other", wait=False), "Question 6 of 11")
        await step(chat.send("Door alarm was switched off at night", wait=False), "Question 7")
        await step(chat.send("Night staff noticed on the round", wait=False), "Question 8")
        await step(chat.click("Skip", wait=False), "Question 9 of 11")
        for label in ("Manager / team lead", "Nurse", "On-call", "Family"):
            await chat.click(label, wait=False)  # four taps in flight at once
        await chat.wait_for(lambda: sum(label.startswith("✅") for label in chat.buttons()) == 4)
        await step(chat.click("Done", wait=False), "Question 10 of 11")
        async with sessionmaker() as session:
            record = (await session.scalars(select(FsmRecord))).one()  # the draft, in SQL
        told = json.loads(record.data)["draft"]["answers"]["told"]
        assert sorted(told) == ["family", "manager", "nurse", "on_call"]
    finally:
        await runner.stop()


async def test_a_category_an_admin_adds_appears_as_a_button(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    from storage.repositories import CategoryRepository

    async with sessionmaker() as session:
        await CategoryRepository(session).create(key="infection", name="Infection control")
        await session.commit()
    chat = fake.private_chat(1008, "Hana")
    await chat.send(f"/start {team.code}")
    await no_harm(chat)
    for label in ("Today", "Night", "Lounge"):
        await chat.click(label)
    assert chat.buttons()[-3] == "Infection control"
    await chat.click("Infection control")
    assert "What nearly happened?" in chat.last_text()


async def test_the_invite_link_again_mid_report_carries_on_where_the_worker_was(
        fake: FakeTelegram, running: RunningBot, team: Team) -> None:
    chat = fake.private_chat(1011, "Gwen")
    await chat.send(f"/start {team.code}")
    await no_harm(chat)
    await chat.send(f"/start {team.code}")
    # The welcome is not put before a question it did not start: it comes with the note.
    assert "You're already part of Rosewood House" in chat.texts()[-2]
    assert "carry on where you were" in chat.texts()[-2]
    assert "Question 2 of 11" in chat.last_text()
    assert "already part of" not in chat.last_text()
