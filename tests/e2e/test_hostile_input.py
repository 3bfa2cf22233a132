"""Whatever a person sends gets a polite answer, loses nothing, and Telegram accepts the reply."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Escalation, Report, Team
from tests.e2e.flow import choose, no_harm, privacy
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import FakeTelegram, utf16_len


async def _to_question(chat, team: Team, question: str) -> None:
    await chat.send(f"/start {team.code}")
    await no_harm(chat)
    await chat.click("Yesterday")
    await chat.click("Morning")
    await chat.click("Lounge")
    await chat.click("Other")
    assert question in chat.last_text()


async def test_non_text_messages_are_reprompted(fake: FakeTelegram, running: RunningBot,
                                                team: Team) -> None:
    chat = fake.private_chat(2001, "Gwen")
    await chat.send(f"/start {team.code}")
    for send in (chat.send_sticker, chat.send_photo, chat.send_voice, chat.send_document):
        await send()
        assert "I can only read text here" in chat.last_text()
        assert "was anyone hurt or harmed" in chat.last_text()
    await chat.send("yes")  # the harm question is answered with a tap, never guessed
    assert "Please tap one of the buttons" in chat.last_text()
    await no_harm(chat)
    await chat.send_raw_message({"location": {"latitude": 51.48, "longitude": -3.18}})
    assert "I can only read text here" in chat.last_text()
    assert "When did it happen?" in chat.last_text()
    await chat.click("Today")
    assert "Roughly what time" in chat.last_text()


async def test_emoji_empty_and_nonsense_answers_are_reprompted(
        fake: FakeTelegram, running: RunningBot, team: Team) -> None:
    chat = fake.private_chat(2002, "Huw")
    await chat.send(f"/start {team.code}")
    await no_harm(chat)
    await chat.send("🙂")
    assert "couldn't read that date" in chat.last_text()
    await chat.send("31/02")
    assert "doesn't exist" in chat.last_text()
    await chat.send("tomorrow")
    assert "couldn't read that date" in chat.last_text()
    await chat.send("yesterday")
    await chat.send("❤️")
    assert "couldn't read that time" in chat.last_text()
    await chat.send("Morning")  # a typed button label counts as the tap
    assert "Where did it happen?" in chat.last_text()
    await chat.send("😀😀")
    assert "Please answer in words" in chat.last_text()
    await chat.click("Garden")
    await chat.send("medication please")
    assert "Please tap one of the buttons" in chat.last_text()


async def test_ten_thousand_characters_are_refused_politely(
        fake: FakeTelegram, running: RunningBot, team: Team) -> None:
    chat = fake.private_chat(2003, "Iolo")
    await _to_question(chat, team, "What nearly happened?")
    await chat.send("a" * 10_000)
    reply = chat.last_text()
    assert "too long for one answer (10,000 characters; the limit is 3,000)" in reply
    assert "What nearly happened?" in reply
    await chat.send("ok")
    assert "at least 5 characters" in chat.last_text()


async def test_user_text_is_echoed_exactly_and_telegram_accepts_it(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(2004, "<b>Jac</b> & co")
    await _to_question(chat, team, "What nearly happened?")
    what = "Nearly sent to A&E with the wrong notes <3 <b>not bold</b> &amp; {placeholder}"
    await chat.send(what)
    await chat.send("Checked the notes & the wristband <i>twice</i>")
    await chat.send("Called the ward & apologised")
    await chat.click("Nurse")
    await chat.click("Done")
    await chat.send("x" * 2990 + " <&> end")
    await privacy(chat)
    summary = chat.last_text()
    assert what in summary
    assert "Checked the notes & the wristband <i>twice</i>" in summary
    assert "x" * 500 in summary and "…" in summary  # long answers shortened in the summary only
    await chat.click("Submit report")
    async with sessionmaker() as session:
        report = (await session.scalars(select(Report))).one()
    assert report.what_happened == what
    assert report.suggestions == "x" * 2990 + " <&> end"
    await chat.send("/help")
    assert "Hello <b>Jac</b> & co!" in chat.texts()[-2]


# The longest answers a worker can send, as heavy as Telegram lets them be: most of each is
# outside the Basic Multilingual Plane, where every character is two UTF-16 code units, the
# unit Telegram counts a message's 4,096 in. Each passes the flow's own limits (3,000
# characters, 200 for a place) and Telegram's for the worker's message.
ASTRAL_ANSWER = "😀" * 1040 + " ok" * 650
ASTRAL_PLACE = "🏥" * 196 + "ward"


@pytest.mark.parametrize("language", ["en", "cy"])
async def test_the_largest_possible_summary_of_astral_characters_reaches_submit(
        fake: FakeTelegram, running: RunningBot, team: Team, language: str,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(2005, "Kim", language_code=language)
    await chat.send(f"/start {team.code}")
    await choose(chat, "harm", 3)  # both: the longest harm label, and an incident's questions
    await choose(chat, "date", 0)
    await choose(chat, "time", 3)
    await chat.send(ASTRAL_PLACE)
    await choose(chat, "category", 8)
    for _ in range(3):
        await chat.send(ASTRAL_ANSWER)
    for index in range(1, 8):  # everyone but "Nobody yet": the longest list
        await choose(chat, "told", index)
    await chat.click_data("r|told|done")
    await chat.send(ASTRAL_ANSWER)
    await choose(chat, "confidentiality", 1)
    summary = chat.last_message()
    assert summary is not None
    assert any(data == "r|review|submit" for row in summary.buttons for _, data in row)
    assert utf16_len(summary.plain) <= 4096 and "😀" * 250 in summary.plain
    await chat.click_data("r|review|submit")
    async with sessionmaker() as session:
        report = (await session.scalars(select(Report))).one()
    assert report.what_happened == report.suggestions == ASTRAL_ANSWER  # kept whole
    assert report.place == ASTRAL_PLACE
    # assert_no_rejections at teardown: Telegram took every message, the summary included.


async def test_forged_and_stale_buttons_change_nothing(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(2006, "Lowri")
    await chat.send(f"/start {team.code}")
    harm_question = chat.last_message()
    await no_harm(chat)
    first_question = chat.last_message()
    assert first_question is not None and harm_question is not None
    await chat.click("Yesterday")  # any part of the day is past
    await chat.click_data("r|date|c1", message_id=first_question.message_id)
    assert "That button belongs to an earlier question" in chat.last_text()
    await chat.click_data("r|harm|c3", message_id=harm_question.message_id)
    assert "That button belongs to an earlier question" in chat.last_text()
    assert "Roughly what time" in chat.last_text()
    for forged in ("r|time|c99", "r|time|edit:what", "r|review|submit", "r|time|",
                   "r|harm|c1", "r|confidentiality|c2",
                   "lang|xx", "nonsense", "r|time|c0|extra", "go|elsewhere"):
        await chat.click_data(forged)
    assert "Roughly what time" in chat.last_text()
    await chat.click("Morning")
    assert "Where did it happen?" in chat.last_text()
    async with sessionmaker() as session:
        assert (await session.scalars(select(Report))).all() == []
        assert (await session.scalars(select(Escalation))).all() == []  # no stale "yes" counts
    # Every tap was answered, so no phone is left with a spinning button.
    taps = len([call for call in fake.calls_to("answerCallbackQuery")])
    assert taps >= 13


async def test_a_tap_on_a_finished_report_is_answered(
        fake: FakeTelegram, running: RunningBot, team: Team) -> None:
    chat = fake.private_chat(2007, "Mali")
    await chat.send(f"/start {team.code}")
    question = chat.last_message()
    assert question is not None
    await chat.click("Cancel")
    await chat.click("Yes, discard it")
    await chat.click_data("r|harm|c0", message_id=question.message_id)
    assert "already been sent or discarded" in chat.last_text()


async def test_group_chats_are_pointed_to_a_private_chat(
        fake: FakeTelegram, running: RunningBot, team: Team) -> None:
    group = fake.group_chat(-1001234, "Rosewood team")
    worker = fake.private_chat(2008, "Nia")
    await group.send("/report", from_user=worker)
    assert "private chat" in group.last_text()
    assert group.last_message().buttons[0][0][0] == "Report privately"
    await group.send("morning all", from_user=worker)
    assert len(group.messages) == 1  # ordinary group chatter is left alone
