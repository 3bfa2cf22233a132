"""The flow's calls (bot/replies.py) are the Bot API's own methods, read only for a message id."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.replies import EditMarkup, EditText, SendText, Sent
from tests.helpers.fake_telegram import FakeTelegram

KEYBOARD = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Yes",
                                                                       callback_data="r|a|b")]])


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    api = TelegramAPIServer.from_base(fake.base_url)
    bot = Bot(fake.token, session=AiohttpSession(api=api))
    yield bot
    await bot.session.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


async def test_a_sent_and_edited_message_reads_back_as_its_id(fake: FakeTelegram,
                                                             bot: Bot) -> None:
    chat = fake.private_chat(4401, "Amara")

    sent = await bot(SendText(chat_id=chat.id, text="Question 1 &lt;3", reply_markup=KEYBOARD))

    assert sent == Sent(message_id=chat.last_message().message_id)  # type: ignore[union-attr]
    edited = await bot(EditText(chat_id=chat.id, message_id=sent.message_id, text="Question 2",
                                reply_markup=KEYBOARD))
    assert edited == sent
    assert await bot(EditMarkup(chat_id=chat.id, message_id=sent.message_id)) == sent
    assert chat.last_text() == "Question 2" and chat.last_message().labels() == []  # type: ignore[union-attr]
    assert [call.method for call in fake.calls] [-3:] == [
        "sendMessage", "editMessageText", "editMessageReplyMarkup"]
    fake.assert_no_rejections()


async def test_telegram_refusing_a_call_still_raises(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(4402, "Bo")
    sent = await bot(SendText(chat_id=chat.id, text="Question 1"))

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot(EditText(chat_id=chat.id, message_id=sent.message_id, text="Question 1"))
