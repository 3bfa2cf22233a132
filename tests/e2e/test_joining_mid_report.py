"""A team code asked for in the middle of a report: an old invite link, a mistyped /join CODE,
/join from the command menu. The report is never lost, never deleted without asking, and one
tap takes the worker back to it; commands keep working while a code is asked for."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import FsmRecord, Report, Team
from tests.e2e.flow import no_harm, privacy
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import ChatClient, FakeTelegram

OLD_CODE = "ZZZZ2222"  # no team has it: an old invite link, or a mistyped code
WHAT = "Wrong tablets nearly given to a resident at the lunchtime round"
NOT_FOUND = "couldn't find a team with that code"
CARRY_ON = "Carry on with my report"


async def _to_what_happened(chat: ChatClient, team: Team) -> None:
    """Join, and answer the first five questions: the sixth, what happened, is asked."""
    await chat.send(f"/start {team.code}")
    await no_harm(chat)
    for label in ("Yesterday", "Morning", "Lounge", "Medication"):
        await chat.click(label)
    assert "What nearly happened?" in chat.last_text()


async def _answers(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    """The answers of the one draft in progress."""
    async with sessionmaker() as session:
        record = (await session.scalars(select(FsmRecord))).one()
    return dict(json.loads(record.data)["draft"]["answers"])


async def _finish(chat: ChatClient) -> None:
    """From the question after what happened, to a submitted report."""
    await chat.send("Second staff check against the chart caught it")
    await chat.click("Skip")
    await chat.click("Nobody yet")
    await chat.click("Skip")
    await privacy(chat)
    await chat.click("Submit report")
    assert "has been recorded with the reference" in chat.last_text()


async def _report(sessionmaker: async_sessionmaker[AsyncSession]) -> Report:
    async with sessionmaker() as session:
        return (await session.scalars(select(Report))).one()


async def test_an_old_invite_link_mid_report_says_so_and_one_tap_carries_on(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(3001, "Alys")
    await _to_what_happened(chat, team)
    before = await _answers(sessionmaker)
    await chat.send(f"/start {OLD_CODE}")
    assert NOT_FOUND in chat.last_text()
    assert "Your report in progress is kept" in chat.last_text()
    assert chat.buttons() == [CARRY_ON]
    assert await _answers(sessionmaker) == before
    await chat.click(CARRY_ON)
    assert "carry on where you were" in chat.texts()[-2]
    assert "What nearly happened?" in chat.last_text()
    await chat.send(WHAT)
    await _finish(chat)
    report = await _report(sessionmaker)
    assert (report.place, report.category, report.what_happened) == ("Lounge", "medication", WHAT)


async def test_commands_are_answered_while_a_code_is_asked_for(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(3002, "Bryn")
    await _to_what_happened(chat, team)
    await chat.send(f"/join {OLD_CODE}")
    assert NOT_FOUND in chat.last_text()
    await chat.send("/help")
    assert "I help staff report near misses" in chat.texts()[-2]
    assert NOT_FOUND not in chat.last_text()
    await chat.send("/myid")
    assert "Your Telegram number is 3002" in chat.last_text()
    await chat.send("/report")
    assert "What nearly happened?" in chat.last_text()
    await chat.send(WHAT)  # the report has the worker's typing again
    assert "How was it prevented?" in chat.last_text()
    assert (await _answers(sessionmaker))["what"] == WHAT


async def test_cancel_while_a_code_is_asked_for_cancels_only_the_joining(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(3003, "Cerys")
    await _to_what_happened(chat, team)
    before = await _answers(sessionmaker)
    await chat.send("/join")  # from the command menu
    assert "Please type your team code here" in chat.last_text()
    assert chat.buttons() == [CARRY_ON]
    await chat.send("/cancel")
    assert "stopped asking for a team code" in chat.texts()[-2]
    assert "What nearly happened?" in chat.last_text()
    assert await _answers(sessionmaker) == before
    # Now /cancel is about the report, and the report is only deleted once the worker says so.
    await chat.send("/cancel")
    assert "Discard this report?" in chat.last_text()
    await chat.click("No, keep going")
    assert "What nearly happened?" in chat.last_text()
    await chat.send(WHAT)
    await _finish(chat)
    assert (await _report(sessionmaker)).what_happened == WHAT


async def test_a_wrong_code_typed_mid_report_is_asked_again_and_the_right_one_carries_on(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(3004, "Dafydd")
    await _to_what_happened(chat, team)
    await chat.send("/join")
    await chat.send(OLD_CODE)
    assert NOT_FOUND in chat.last_text() and chat.buttons() == [CARRY_ON]
    await chat.send_sticker()
    assert "type your team code as text" in chat.last_text()
    assert chat.buttons() == [CARRY_ON]
    await chat.send(team.code.lower())
    assert "You're already part of Rosewood House" in chat.texts()[-2]
    assert "What nearly happened?" in chat.last_text()
    assert (await _answers(sessionmaker))["place"] == "Lounge"


async def test_an_answer_typed_while_a_code_is_asked_for_is_kept_as_the_answer(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(3005, "Eirlys")
    await _to_what_happened(chat, team)
    await chat.send("/join")  # tapped in the menu by mistake; the worker types on
    await chat.send(WHAT)
    assert "doesn't look like a team code" in chat.texts()[-2]
    assert "How was it prevented?" in chat.last_text()
    assert (await _answers(sessionmaker))["what"] == WHAT
    await _finish(chat)
    assert (await _report(sessionmaker)).what_happened == WHAT


async def test_no_detour_deletes_a_draft_and_cancel_always_asks_first(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(3006, "Ffion")
    await _to_what_happened(chat, team)
    before = await _answers(sessionmaker)
    for detour in (f"/start {OLD_CODE}", "/cancel", "/start", "/join", "/help", "/report",
                   f"/join {OLD_CODE}", "/cancel", "/language", f"/start {team.code}",
                   "/mydata", "/join", "/cancel"):
        await chat.send(detour)
        assert await _answers(sessionmaker) == before, detour
        assert "Report discarded" not in chat.last_text(), detour
    await chat.send("/cancel")
    assert "Discard this report?" in chat.last_text()
    await chat.click("Yes, discard it")
    assert "Report discarded" in chat.last_text()
    async with sessionmaker() as session:
        assert (await session.scalars(select(FsmRecord))).all() == []
