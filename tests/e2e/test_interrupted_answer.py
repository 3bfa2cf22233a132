"""A typed answer is committed before the next question is sent. When that question never
reaches the person (the process died, Telegram failed), they send their answer again: it must
not be taken as the answer to the question they never saw."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from storage.models import Report, Team
from tests.e2e.flow import no_harm, privacy
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import ChatClient, FakeTelegram

WHAT = "Bath water nearly too hot; the thermometer check caught it at 46 degrees"
PREVENTED = "Let it cool and checked again before the resident got in"
INTERRUPTED = "I was interrupted before I could ask you this"


async def _to_what(chat: ChatClient, team: Team) -> None:
    """Join and answer up to "What nearly happened?", the first question answered by typing."""
    await chat.send(f"/start {team.code}")
    await no_harm(chat)
    await chat.click("Today")
    afternoon = datetime.now(ZoneInfo("Europe/London")).hour >= 12
    await chat.click("Afternoon" if afternoon else "Night")
    await chat.click("Garden")
    await chat.click("Environment and equipment")


async def _submit(chat: ChatClient, sessionmaker: async_sessionmaker[AsyncSession]) -> Report:
    """From the suggestions on: skip them, choose named, submit; the report stored."""
    await chat.click("Skip")  # suggestions
    await privacy(chat)
    await chat.click("Submit report")
    assert "NM-" in chat.last_text()
    async with sessionmaker() as session:
        return (await session.scalars(select(Report).options(selectinload(Report.told)))).one()


async def test_an_answer_sent_again_after_its_question_was_lost_stays_where_it_belongs(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(1301, "Nia")
    await _to_what(chat, team)
    assert "What nearly happened" in chat.last_text()
    # The answer is stored, then sending the next question fails.
    fake.fail_next("sendMessage", status=502)
    await chat.send(WHAT)
    assert "try again in a minute" in chat.last_text()
    assert "How was it prevented" not in chat.transcript()
    await chat.send(WHAT)  # what a person does when no question came
    assert INTERRUPTED in chat.last_text() and "How was it prevented" in chat.last_text()
    await chat.send(PREVENTED)
    assert INTERRUPTED not in chat.last_text()  # the mark is gone once the question was seen
    await chat.click("Skip")  # immediate action
    await chat.click("Nobody yet")
    report = await _submit(chat, sessionmaker)
    assert (report.what_happened, report.how_prevented) == (WHAT, PREVENTED)


async def test_report_shows_the_lost_question_and_the_next_message_answers_it(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(1302, "Owain")
    await _to_what(chat, team)
    fake.fail_next("sendMessage", status=502)
    await chat.send(WHAT)
    await chat.send("/report")  # "carry on where you were": the question is seen now
    assert "How was it prevented" in chat.last_text()
    await chat.send(PREVENTED)
    assert INTERRUPTED not in chat.transcript()
    assert "Question 8 of 11" in chat.last_text()


async def test_a_message_sent_before_the_question_came_is_not_its_answer(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Hearing nothing yet, the person sends their answer twice; both arrive before the next
    question is sent, so the second cannot be its answer."""
    chat = fake.private_chat(1303, "Sian")
    await _to_what(chat, team)
    first = await chat.send(WHAT, wait=False)
    second = await chat.send(WHAT, wait=False)
    await fake.wait_handled(first)
    await fake.wait_handled(second)
    assert "before I asked the question above" in chat.last_text()
    assert "How was it prevented" in chat.texts()[-2]
    await chat.send(PREVENTED)
    assert "Question 8 of 11" in chat.last_text()
    await chat.click("Skip")
    await chat.click("Nobody yet")
    await chat.click("Skip")
    await privacy(chat)
    await chat.click("Submit report")
    async with sessionmaker() as session:
        report = (await session.scalars(select(Report))).one()
    assert (report.what_happened, report.how_prevented) == (WHAT, PREVENTED)


async def test_an_update_delivered_again_after_a_restart_is_not_applied_twice(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    # Telegram delivers an update again when the process died before confirming it. A toggle
    # applied twice is taken back: the worker's "Nurse" would have been lost.
    chat = fake.private_chat(1304, "Rhys")
    await _to_what(chat, team)
    await chat.send(WHAT)
    await chat.send(PREVENTED)
    await chat.click("Skip")  # immediate action: next, who was told (several may be ticked)
    tapped = await chat.click("Nurse")
    await running.stop()
    fake.deliver_again(tapped)
    await running.start()
    await fake.wait_handled(tapped)
    assert "Who have you told" in chat.last_text(), chat.transcript()
    assert "✅ Nurse" in chat.buttons()  # still ticked: the tap was not applied a second time
    await chat.click("Done")
    assert (await _submit(chat, sessionmaker)).told_parties == ["nurse"]
