"""A tapped answer turns its question into the next one: one message a run of taps, two
Telegram calls a tap (the edit and the tap's answer) where sending the next question and taking
the last one's buttons away took three."""

from __future__ import annotations

import re

from storage.models import Team
from tests.e2e.flow import NO_HARM, no_harm
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import ChatClient, FakeTelegram


def _counts(fake: FakeTelegram) -> dict[str, int]:
    return {method: len(fake.calls_to(method)) for method in
            ("sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery")}


def _newest(chat: ChatClient) -> int:
    message = chat.last_message()
    assert message is not None
    return message.message_id


async def test_a_tapped_answer_becomes_the_next_question_in_the_same_message(
        fake: FakeTelegram, running: RunningBot, team: Team) -> None:
    chat = fake.private_chat(7101, "Amara", language_code="en")
    await chat.send(f"/start {team.code}")
    question = _newest(chat)
    before = _counts(fake)
    await no_harm(chat)
    message = chat.last_message()
    assert message is not None and message.message_id == question, chat.transcript()
    assert "Question 2 of 11" in message.plain and "Today" in message.labels()
    assert _counts(fake) == {**before, "editMessageText": before["editMessageText"] + 1,
                             "answerCallbackQuery": before["answerCallbackQuery"] + 1}
    # The question went, so the tap's brief notice says which answer was taken.
    assert chat.callback_answers[-1].text == "✅ " + NO_HARM
    await chat.click("Yesterday")
    assert "Question 3 of 11" in chat.last_text() and _newest(chat) == question
    await chat.click("Back")  # moving about the report is no answer: no notice
    assert "Question 2 of 11" in chat.last_text() and _newest(chat) == question
    assert chat.callback_answers[-1].text is None
    await chat.click("Yesterday")
    # What the worker saw arrive, in order, though the chat holds one message for all three.
    assert [re.findall(r"Question \d+ of 11", text) for text in chat.arrivals[-5:]] == [
        ["Question 1 of 11"], ["Question 2 of 11"], ["Question 3 of 11"], ["Question 2 of 11"],
        ["Question 3 of 11"]]


async def test_a_typed_answer_still_gets_a_new_message(
        fake: FakeTelegram, running: RunningBot, team: Team) -> None:
    chat = fake.private_chat(7102, "Bo", language_code="en")
    await chat.send(f"/start {team.code}")
    await no_harm(chat)
    question = _newest(chat)
    await chat.send("yesterday")
    assert "Question 3 of 11" in chat.last_text() and _newest(chat) > question, chat.transcript()


async def test_a_question_that_cannot_be_edited_comes_in_a_new_message(
        fake: FakeTelegram, running: RunningBot, team: Team) -> None:
    chat = fake.private_chat(7103, "Cai", language_code="en")
    await chat.send(f"/start {team.code}")
    question = _newest(chat)
    fake.fail_next("editMessageText", status=400,
                   description="Bad Request: message can't be edited")
    await no_harm(chat)
    assert "Question 2 of 11" in chat.last_text() and _newest(chat) > question, chat.transcript()
    tapped = chat.state.bot_message(question)
    assert tapped is not None and tapped.buttons == [], "the old question keeps no buttons"
    assert chat.callback_answers[-1].text is None  # the question is still there to read


async def test_a_button_of_an_earlier_question_leaves_that_message_alone(
        fake: FakeTelegram, running: RunningBot, team: Team) -> None:
    chat = fake.private_chat(7104, "Dee", language_code="en")
    await chat.send(f"/start {team.code}")
    first = _newest(chat)
    await no_harm(chat)
    await chat.send("yesterday")  # question 3 in a new message; question 2 keeps its buttons
    await chat.click_data("r|date|c0", first)
    newest = chat.last_message()
    assert newest is not None and newest.message_id > first, chat.transcript()
    assert "earlier question" in newest.plain and "Question 3 of 11" in newest.plain
    old = chat.state.bot_message(first)
    assert old is not None and "Question 2 of 11" in old.plain and old.buttons == []


async def test_a_tap_on_a_message_telegram_no_longer_shows_gets_a_new_message(
        fake: FakeTelegram, running: RunningBot, team: Team) -> None:
    chat = fake.private_chat(7105, "Efa", language_code="en")
    await chat.send(f"/start {team.code}")
    await chat.click_data("r|harm|c0", 9999)  # deleted, or too old: an InaccessibleMessage
    assert "Question 2 of 11" in chat.last_text(), chat.transcript()
    assert "went wrong" not in chat.transcript()
    assert chat.callback_answers[-1].text is None


async def test_taps_made_before_the_first_was_answered_take_the_buttons_away_once(
        fake: FakeTelegram, running: RunningBot, team: Team) -> None:
    # A tap carries Telegram's copy of the message as it was when tapped: three quick taps (or
    # taps delivered again after a restart) all show buttons that the first one's answer
    # replaced and the second one's took away. Taking them away again is an edit Telegram
    # rejects ("message is not modified").
    chat = fake.private_chat(7106, "Fen", language_code="en")
    await chat.send(f"/start {team.code}")
    question = _newest(chat)
    taps = [await chat.click(NO_HARM, wait=False) for _ in range(3)]
    for update_id in taps:
        await fake.wait_handled(update_id)
    fake.assert_no_rejections()
    tapped = chat.state.bot_message(question)
    assert tapped is not None and tapped.buttons == [], chat.transcript()
    newest = chat.last_message()
    assert newest is not None and "earlier question" in newest.plain
    assert "Question 2 of 11" in newest.plain and newest.buttons, chat.transcript()
    assert len(fake.calls_to("editMessageReplyMarkup")) == 1
