"""A worker fixes a typo in a typed answer with Telegram's edit: before Submit the report takes
the new text and says so; after Submit they are told the report is sent and how to add to it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Report, Team
from tests.e2e.flow import days_ago, no_harm, privacy
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import ChatClient, FakeTelegram

TYPO = "Wrong tablets neraly given to a resident"
FIXED = "Wrong tablets nearly given to a resident"
PREVENTED = "Second staff check against the chart caught it"


async def _type(chat: ChatClient, text: str) -> int:
    """Send a typed answer; the id of the worker's message."""
    await chat.send(text)
    return chat.last_sent_id()


async def _to_what_happened(chat: ChatClient, team: Team) -> None:
    await chat.send(f"/start {team.code}")
    await no_harm(chat)
    for label in ("Yesterday", "Morning", "Garden", "Medication"):
        await chat.click(label)
    assert "What nearly happened?" in chat.last_text()


async def _report(sessionmaker: async_sessionmaker[AsyncSession]) -> Report:
    async with sessionmaker() as session:
        return (await session.scalars(select(Report))).one()


async def test_an_edited_answer_replaces_the_old_one_and_the_summary_shows_it(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(4001, "Glyn")
    await _to_what_happened(chat, team)
    typo = await _type(chat, TYPO)
    await chat.send(PREVENTED)
    assert "What did you do straight away" in chat.last_text()
    await chat.edit(typo, FIXED)
    reply = chat.last_text()
    assert "I've changed your answer to “What nearly happened” to the edited text." in reply
    assert "What did you do straight away" in reply  # the worker is where they were
    await chat.click("Skip")
    await chat.click("Nobody yet")
    await chat.click("Skip")
    await privacy(chat)
    summary = chat.last_text()
    assert f"What nearly happened: {FIXED}" in summary and TYPO not in summary
    await chat.click("Submit report")
    assert (await _report(sessionmaker)).what_happened == FIXED


async def test_an_edit_on_the_summary_comes_back_as_the_summary_with_it(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(4002, "Heledd")
    await _to_what_happened(chat, team)
    await chat.send(FIXED)
    prevented = await _type(chat, "Seccond staff check")
    await chat.click("Skip")
    await chat.click("Nobody yet")
    await chat.click("Skip")
    await privacy(chat)
    assert "How it was prevented: Seccond staff check" in chat.last_text()
    await chat.edit(prevented, PREVENTED)
    summary = chat.last_text()
    assert "I've changed your answer to “How it was prevented”" in summary
    assert "Please check your report" in summary
    assert f"How it was prevented: {PREVENTED}" in summary
    await chat.click("Submit report")
    assert (await _report(sessionmaker)).how_prevented == PREVENTED


async def test_an_edit_that_is_no_valid_answer_keeps_the_earlier_one(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(4003, "Iwan")
    await chat.send(f"/start {team.code}")
    await no_harm(chat)
    date = await _type(chat, days_ago(10))  # typed: "yesterday" would be the button's label
    assert "Roughly what time" in chat.last_text()
    await chat.edit(date, "31/02")
    reply = chat.last_text()
    assert "I couldn't use your edit of your answer to “Date”" in reply
    assert "doesn't exist" in reply and "Roughly what time" in reply
    await chat.edit(date, "🙂")
    assert "couldn't read that date" in chat.last_text()
    assert "Roughly what time" in chat.last_text()
    await chat.edit(date, days_ago(11))
    assert "I've changed your answer to “Date”" in chat.last_text()
    await chat.click("Evening")
    await chat.click("Back")
    assert "Roughly what time" in chat.last_text()
    await chat.click("Back")
    day = int(days_ago(11)[:2])  # the date question shows the edited date as its answer
    assert "Your answer so far: " in chat.last_text() and f", {day} " in chat.last_text()


async def test_an_edit_of_a_message_that_is_no_answer_says_it_changed_nothing(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(4004, "Lleucu")
    await _to_what_happened(chat, team)
    refused = await _type(chat, "oops")  # too short: refused, so no answer
    assert "at least 5 characters" in chat.last_text()
    await chat.edit(refused, FIXED)
    assert "Editing that message changes nothing in your report" in chat.last_text()
    assert "What nearly happened?" in chat.last_text()
    # A typed answer replaced by a tap is no longer the message's answer.
    await chat.send(FIXED)
    await chat.send(PREVENTED)
    await chat.click("Back")
    await chat.click("Back")
    await chat.click("Back")
    await chat.click("Back")
    assert "Where did it happen?" in chat.last_text()
    place = await _type(chat, "Laundry room")
    await chat.click("Back")
    await chat.click("Garden")
    await chat.edit(place, "Linen cupboard")
    assert "Editing that message changes nothing in your report" in chat.last_text()
    for label in ("Keep this answer", "Keep this answer", "Keep this answer", "Skip",
                  "Nobody yet", "Skip"):
        await chat.click(label)
    await privacy(chat)
    assert "Place: Garden" in chat.last_text()


async def test_an_edit_after_submit_says_the_report_is_sent_and_how_to_add_to_it(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(4005, "Mererid")
    await _to_what_happened(chat, team)
    typo = await _type(chat, TYPO)
    await chat.send(PREVENTED)
    for label in ("Skip", "Nobody yet", "Skip"):
        await chat.click(label)
    await privacy(chat)
    await chat.click("Submit report")
    await chat.edit(typo, FIXED)
    reply = chat.last_text()
    assert "doesn't change a report that has already been sent" in reply
    assert "tell your manager" in reply and "/report" in reply
    assert (await _report(sessionmaker)).what_happened == TYPO


async def test_an_edited_team_code_is_asked_for_again_as_a_new_message(
        fake: FakeTelegram, running: RunningBot, team: Team) -> None:
    chat = fake.private_chat(4006, "Nerys")
    await chat.send("/report")
    code = await _type(chat, "ZZZZ2222")
    assert "couldn't find a team with that code" in chat.last_text()
    await chat.edit(code, team.code)
    assert "please send it again as a new message" in chat.last_text()
    await chat.send(team.code)
    assert "Question 1 of 11" in chat.last_text()
