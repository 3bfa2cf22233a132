"""bot/session.py: the bot's calls go to the Bot API as one JSON body; a file still as a form."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.dispatcher import create_bot
from bot.session import JsonSession
from core.settings import Settings
from tests.helpers.fake_telegram import FakeTelegram

KEYBOARD = InlineKeyboardMarkup(inline_keyboard=[[
    InlineKeyboardButton(text="A&E <3 🚑", callback_data="r|place|c1")]])


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(fake: FakeTelegram, database_url: str) -> AsyncIterator[Bot]:
    bot = create_bot(Settings(_env_file=None, bot_token=fake.token, database_url=database_url,
                              telegram_api_url=fake.base_url))
    yield bot
    await bot.session.close()


def test_a_call_without_a_file_is_one_json_object(bot: Bot) -> None:
    session = bot.session
    assert isinstance(session, JsonSession)
    body = session.json_body(bot, SendMessage(chat_id=7, text="Where was it?",
                                              reply_markup=KEYBOARD))
    assert body is not None
    # The keyboard nested as an object, not a string; the bot's default parse mode filled in;
    # parameters left unset are not sent at all.
    assert json.loads(body) == {
        "chat_id": 7, "text": "Where was it?", "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "A&E <3 🚑",
                                               "callback_data": "r|place|c1"}]]}}


def test_a_call_with_a_file_is_left_to_the_form(bot: Bot) -> None:
    session = bot.session
    assert isinstance(session, JsonSession)
    document = BufferedInputFile(b"%PDF-1.7", filename="evidence.pdf")
    assert session.json_body(bot, SendDocument(chat_id=7, document=document)) is None


async def test_both_reach_the_bot_api_and_are_accepted(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(4501, "Amara")

    await bot.send_message(chat.id, "Where was it? A&amp;E &lt;3", reply_markup=KEYBOARD)
    await bot.send_document(chat.id, BufferedInputFile(b"%PDF-1.7", filename="evidence.pdf"))

    sent, document = fake.calls[-2:]
    assert (sent.method, document.method) == ("sendMessage", "sendDocument")
    # As sent: a JSON body's keyboard arrives as an object, a form field's as a string.
    assert isinstance(sent.params["reply_markup"], dict)
    assert chat.last_message() is not None
    assert any(message.labels() == ["A&E <3 🚑"] for message in chat.messages)
    fake.assert_no_rejections()
