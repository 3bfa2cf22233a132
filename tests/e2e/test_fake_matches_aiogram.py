"""Every object the fake Bot API answers with is one the pinned aiogram can read.

The fake checks requests against the published Bot API description (api.json), which can lag
behind the Bot API version aiogram speaks: aiogram may require fields that description does
not list yet (a real Telegram answer has them). Each method's result is validated here with
aiogram's own model of that method's answer (`Response[method.__returning__]`, as aiogram's
session reads it), for every method the fake implements and every kind of update it makes, so
the fake cannot drift from the library the bot runs on.
"""

from __future__ import annotations

from typing import Any

import aiogram.methods
import aiohttp
from aiogram import Bot
from aiogram.methods import Response, TelegramMethod
from pydantic import ValidationError

from tests.helpers.fake_telegram import Call, FakeTelegram
from tests.helpers.fake_telegram.methods_chats import MEMBER_TYPES
from tests.helpers.fake_telegram.server import HANDLERS

KEYBOARD = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}


def method_class(name: str) -> type[TelegramMethod[Any]]:
    """aiogram's class for a Bot API method name (sendMessage -> SendMessage)."""
    return getattr(aiogram.methods, name[0].upper() + name[1:])  # type: ignore[no-any-return]


def aiogram_problems(bot: Bot, call: Call) -> str | None:
    """Why aiogram could not read the call's answer, or None."""
    returning = method_class(call.method).__returning__
    try:
        Response[returning].model_validate(  # type: ignore[valid-type]
            {"ok": True, "result": call.result}, context={"bot": bot})
    except ValidationError as error:
        return f"{call.method}: {error}"
    return None


class Api:
    """Raw Bot API calls, so the fake's answer reaches the test as Telegram sent it."""

    def __init__(self, fake: FakeTelegram, http: aiohttp.ClientSession) -> None:
        self.fake, self.http = fake, http

    async def __call__(self, method: str, **params: Any) -> Any:
        url = f"{self.fake.base_url}/bot{self.fake.token}/{method}"
        async with self.http.post(url, json=params) as response:
            body = await response.json()
        assert body["ok"], f"{method}: {body}"
        return body["result"]


async def exercise_every_method(fake: FakeTelegram, api: Api) -> None:
    """Call each method the fake implements, in each shape of answer it gives."""
    private = fake.private_chat(1001, "Amara", username="amara", language_code="en")
    group = fake.group_chat(-1001234567890, "Rosewood House")
    small_group = fake.group_chat(-4242, "Night shift")
    for status in MEMBER_TYPES:  # every ChatMember kind
        group.set_member_status(2000 + len(status), status)
        await api("getChatMember", chat_id=group.id, user_id=2000 + len(status))
    await api("getChatMember", chat_id=private.id, user_id=private.id)
    await api("getMe")
    for chat in (private, group, small_group):
        await api("getChat", chat_id=chat.id)
    await api("setMyCommands", commands=[{"command": "report", "description": "Report"}])
    await api("getMyCommands")
    await api("deleteMyCommands")
    await api("setWebhook", url="https://nearmiss.example.org/telegram/webhook",
              secret_token="s3cret", allowed_updates=["message"])
    await api("getWebhookInfo")
    await api("deleteWebhook", drop_pending_updates=False)
    await api("getWebhookInfo")
    # The webhook's allowed_updates stay until changed (as Telegram's do): back to every
    # default type before the updates below happen, or the tap would be dropped.
    await api("getUpdates", timeout=0, allowed_updates=[])
    await api("sendChatAction", chat_id=private.id, action="typing")
    sent = await api("sendMessage", chat_id=private.id, text="<b>Question</b> 1",
                     parse_mode="HTML", reply_markup=KEYBOARD)
    await api("sendMessage", chat_id=private.id, text="Again",
              reply_parameters={"message_id": sent["message_id"]})
    await api("sendMessage", chat_id=group.id, text="Bulletin")
    await api("editMessageText", chat_id=private.id, message_id=sent["message_id"],
              text="Question 2", reply_markup=KEYBOARD)
    await private.click("Yes", wait=False)  # a tap on a message still shown
    await api("editMessageReplyMarkup", chat_id=private.id, message_id=sent["message_id"])
    await fake_document(fake, private.id)
    await private.send("/start", wait=False)
    await private.send_photo("a caption", wait=False)
    await private.send_sticker(wait=False)
    await private.send_voice(wait=False)
    await private.send_document(wait=False)
    await group.send("hello all", from_user=private, wait=False)
    await private.click_data("gone", message_id=999, wait=False)  # an inaccessible message
    updates = await api("getUpdates", timeout=0)
    query = next(u["callback_query"]["id"] for u in updates if "callback_query" in u)
    await api("answerCallbackQuery", callback_query_id=query, text="Noted")
    await api("getUpdates", offset=updates[-1]["update_id"] + 1, timeout=0)
    await api("deleteMessage", chat_id=private.id, message_id=sent["message_id"])
    await api("leaveChat", chat_id=small_group.id)
    await api("close")
    await api("logOut")


async def fake_document(fake: FakeTelegram, chat_id: int) -> None:
    """sendDocument as aiogram sends a file: multipart form data."""
    form = aiohttp.FormData()
    form.add_field("chat_id", str(chat_id))
    form.add_field("caption", "The export")
    form.add_field("document", b"id,place\n1,Kitchen\n", filename="export.csv")
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{fake.base_url}/bot{fake.token}/sendDocument",
                             data=form) as response:
            assert (await response.json())["ok"]


async def test_every_answer_of_the_fake_is_one_aiogram_can_read(fake: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as http:
        await exercise_every_method(fake, Api(fake, http))
    answered = [call for call in fake.calls if call.ok]
    assert {call.method for call in answered} >= {*HANDLERS, "getUpdates"}, (
        "a method the fake implements is not exercised here: add a call for it")
    update_kinds = {key for call in answered if call.method == "getUpdates"
                    for update in call.result for key in update if key != "update_id"}
    assert update_kinds >= {"message", "callback_query"}
    async with Bot(fake.token) as bot:
        problems = [problem for call in answered if (problem := aiogram_problems(bot, call))]
    assert not problems, "\n".join(problems)


def test_an_answer_missing_a_field_aiogram_requires_is_caught() -> None:
    """The check can fail: an administrator without can_send_welcome_messages (required by
    aiogram's Bot API, absent from the published description) is refused."""
    member = {"status": "administrator", "user": {"id": 1, "is_bot": False, "first_name": "A"},
              **{name: False for name in (
                  "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
                  "can_manage_video_chats", "can_restrict_members", "can_promote_members",
                  "can_change_info", "can_invite_users", "can_post_stories",
                  "can_edit_stories", "can_delete_stories")}}
    call = Call("getChatMember", {}, ok=True, status=200, result=member)
    bot = Bot("123456789:AAFakeTokenForNearmissTests")
    problem = aiogram_problems(bot, call)
    assert problem is not None and "can_send_welcome_messages" in problem
