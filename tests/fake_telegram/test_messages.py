"""The fake Bot API's messages, callbacks and chats: deleting, answering taps, replies to
missing messages, unknown and blocked chats."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramForbiddenError

from tests.fake_telegram.echo_bot import make_bot
from tests.fake_telegram.raw import assert_rejected, call, inline, send_text
from tests.helpers.fake_telegram import FakeTelegram

pytestmark = pytest.mark.e2e


async def test_delete_message(fake: FakeTelegram) -> None:
    await send_text(fake, "one")
    assert (await call(fake, "deleteMessage", chat_id=1001, message_id=1))[0] == 200
    assert_rejected(
        await call(fake, "deleteMessage", chat_id=1001, message_id=1),
        400,
        "Bad Request: message to delete not found",
    )
    chat = fake.chat(1001)
    assert chat.messages[0].deleted and chat.last_text() == ""
    assert chat.texts() == ["one"] and chat.texts(include_deleted=False) == []
    assert_rejected(
        await call(fake, "editMessageText", chat_id=1001, message_id=1, text="x"),
        400,
        "Bad Request: message to edit not found",
    )


async def test_answer_callback_query_rules(fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    await send_text(fake, "pick", reply_markup=inline({"text": "A", "callback_data": "a"}))
    await chat.click("A", wait=False)
    query_id = (await call(fake, "getUpdates"))[1]["result"][0]["callback_query"]["id"]
    assert_rejected(
        await call(fake, "answerCallbackQuery", callback_query_id="123"),
        400,
        "Bad Request: query is too old",
    )
    assert_rejected(
        await call(fake, "answerCallbackQuery", callback_query_id=query_id, text="x" * 201),
        400,
        "Bad Request: MESSAGE_TOO_LONG",
    )
    ok = await call(
        fake, "answerCallbackQuery", callback_query_id=query_id, text="x" * 200, show_alert=True
    )
    assert ok[0] == 200
    assert chat.callback_answers[0].show_alert is True
    assert_rejected(
        await call(fake, "answerCallbackQuery", callback_query_id=query_id),
        400,
        "Bad Request: query is too old",
    )


async def test_reply_to_missing_message(fake: FakeTelegram) -> None:
    assert_rejected(
        await send_text(fake, "hi", reply_parameters={"message_id": 42}),
        400,
        "Bad Request: message to be replied not found",
    )
    tolerant = {"message_id": 42, "allow_sending_without_reply": True}
    assert (await send_text(fake, "hi", reply_parameters=tolerant))[0] == 200


async def test_chat_action_and_unknown_chats(fake: FakeTelegram) -> None:
    fake.private_chat(user_id=1001, first_name="Amara")
    assert (await call(fake, "sendChatAction", chat_id=1001, action="typing"))[0] == 200
    assert_rejected(
        await call(fake, "sendChatAction", chat_id=1001, action="dancing"),
        400,
        "Bad Request: wrong parameter action",
    )
    assert_rejected(
        await call(fake, "sendMessage", chat_id=-1005, text="x"), 400, "Bad Request: chat not found"
    )
    assert_rejected(
        await call(fake, "getChat", chat_id="@nobody"), 400, "Bad Request: chat not found"
    )


async def test_blocked_user_is_forbidden_until_they_write_again(fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    chat.block()
    assert_rejected(await send_text(fake, "hi"), 403, "Forbidden: bot was blocked by the user")
    await chat.send("I'm back", wait=False)
    assert (await send_text(fake, "hi"))[0] == 200


async def test_a_user_who_never_started_the_bot_cannot_be_messaged_first(
    fake: FakeTelegram,
) -> None:
    fake.known_user(5202, "Owen", username="owen_oncall")
    cant = "Forbidden: bot can't initiate conversation with a user"
    assert_rejected(await call(fake, "sendMessage", chat_id=5202, text="hi"), 403, cant)
    assert_rejected(await call(fake, "sendMessage", chat_id=5303, text="hi"), 400,
                    "Bad Request: chat not found")  # nobody Telegram knows
    group = fake.group_chat(-100777, "Rosewood team")
    await group.send("hello", from_user=5404, wait=False)  # seen in a group, never started
    assert_rejected(await call(fake, "sendMessage", chat_id=5404, text="hi"), 403, cant)
    fake.private_chat(5202, "Owen")  # they open the bot at last
    assert (await call(fake, "sendMessage", chat_id=5202, text="hi"))[0] == 200
    async with make_bot(fake) as bot:
        fake.known_user(5505, "Nia")
        with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
            await bot.send_message(5505, "hi")
