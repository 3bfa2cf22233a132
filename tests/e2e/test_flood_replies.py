"""Replies under Telegram's flood limits: waited out and sent, and one answer to a burst.

The fake counts one message a second to a private chat, as Telegram does, and answers 429
with retry_after beyond it. The bot polls as production does (each update a task of its own,
one person's in order behind their lock), so a burst of messages waits on that lock together.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from storage.models import Team
from tests.e2e.flow import no_harm
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import ChatClient, FakeTelegram

EARLY = "before I asked the question above"
SORRY = "Sorry, something went wrong on my side"
TIMEOUT = 30.0


@pytest.fixture
async def polling(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                  fake: FakeTelegram) -> AsyncIterator[RunningBot]:
    runner = RunningBot(settings, sessionmaker, fake, as_tasks=True)  # as production polls
    await runner.start()
    yield runner
    await runner.stop()


async def _until(chat: ChatClient, before: int, expected: str) -> None:
    await chat.wait_for(lambda: any(expected in text for text in chat.arrivals[before:]),
                        timeout=TIMEOUT)


async def _at_question_2(chat: ChatClient, team: Team) -> None:
    before = len(chat.arrivals)
    await chat.send(f"/start {team.code}", wait=False)
    await _until(chat, before, "Question 1 of")
    before = len(chat.arrivals)
    await no_harm(chat, wait=False)
    await _until(chat, before, "Question 2 of")


def _flood_limits(fake: FakeTelegram, chat: ChatClient) -> None:
    """Telegram's one message a second to a private chat; its 429s are what is tested."""
    fake.enable_flood_limits(per_chat_per_second=1)
    fake.expect_refusal("sendMessage", chat.id, 429)


def _refused_then_sent(fake: FakeTelegram) -> tuple[int, int]:
    refused = [call for call in fake.calls_to("sendMessage") if call.source == "flood"]
    sent = [call for call in fake.calls_to("sendMessage") if call.ok]
    return len(refused), len(sent)


def _yesterday_typed() -> str:
    return (datetime.now(ZoneInfo("Europe/London")) - timedelta(days=1)).strftime("%d/%m")


@pytest.mark.parametrize(("typed", "notice"), [
    # A typed answer: the rest were sent before its next question came (one notice says so).
    (_yesterday_typed, EARLY),
    # A button's label typed: each is taken as an answer, and the newest one's is shown.
    (lambda: "yesterday", "I couldn't read that time"),
])
async def test_thirty_messages_at_once_get_one_answer_and_every_reply_is_sent(
        typed: Callable[[], str], notice: str, fake: FakeTelegram, polling: RunningBot,
        team: Team) -> None:
    chat = fake.private_chat(4301, "Dewi")
    await _at_question_2(chat, team)
    _flood_limits(fake, chat)
    before = len(chat.arrivals)
    text = typed()
    for _ in range(30):  # a stuck key: all in one batch, before the bot takes any
        await chat.send(text, wait=False)
    await _until(chat, before, "Question 3 of")
    await _until(chat, before, notice)
    await chat.send("22:15", wait=False)  # handled after the burst: its person's lock is FIFO
    await _until(chat, before, "Question 4 of")
    shown = chat.arrivals[before:]
    assert len(shown) == 3, chat.transcript()  # the next question, one notice, the next
    assert "Question 3 of" in shown[0] and notice in shown[1] and "Question 4 of" in shown[2]
    refused, _ = _refused_then_sent(fake)
    assert refused >= 1  # Telegram's limit was met, and the reply it refused was sent after


async def test_an_album_of_ten_photos_gets_one_answer(
        fake: FakeTelegram, polling: RunningBot, team: Team) -> None:
    chat = fake.private_chat(4302, "Eira")
    await _at_question_2(chat, team)
    _flood_limits(fake, chat)
    before = len(chat.arrivals)
    for n in range(10):
        photo = [{"file_id": f"AgACAgalbum{n}", "file_unique_id": f"AQADalbum{n}",
                  "width": 1280, "height": 960}]
        await chat.send_raw_message({"photo": photo, "media_group_id": "13579246801357924"},
                                    wait=False)
    await _until(chat, before, "I can only read text here")
    await chat.send("yesterday", wait=False)  # after the album: every photo was taken
    await _until(chat, before, "Question 3 of")
    shown = chat.arrivals[before:]
    assert len(shown) == 2, chat.transcript()
    assert "I can only read text here" in shown[0] and "Question 2 of" in shown[0]
    assert "Question 3 of" in shown[1]


async def test_a_reply_refused_by_a_flood_wait_is_sent_once_it_has_passed(
        fake: FakeTelegram, polling: RunningBot, team: Team) -> None:
    chat = fake.private_chat(4303, "Ffion")
    await _at_question_2(chat, team)
    fake.fail_next("sendMessage", status=429, retry_after=1)
    before = len(chat.arrivals)
    await chat.send("yesterday", wait=False)
    await _until(chat, before, "Question 3 of")
    assert [call.status for call in fake.calls_to("sendMessage")[-2:]] == [429, 200]


async def test_the_apology_for_a_failure_waits_out_a_flood_wait_too(
        fake: FakeTelegram, polling: RunningBot, team: Team) -> None:
    chat = fake.private_chat(4304, "Gethin")
    await _at_question_2(chat, team)
    fake.fail_next("sendMessage", status=500)  # the reply fails: the person is apologised to
    fake.fail_next("sendMessage", status=429, retry_after=1)  # ...and that is refused first
    before = len(chat.arrivals)
    await chat.send("yesterday", wait=False)
    await _until(chat, before, SORRY)
    assert [call.status for call in fake.calls_to("sendMessage")[-3:]] == [500, 429, 200]
