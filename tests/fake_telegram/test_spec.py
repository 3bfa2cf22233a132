"""The fake Bot API's routing and parameter checks against the Bot API description: tokens,
method names, required fields and types, form and JSON bodies, valid results and updates."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from aiogram.types import InlineKeyboardMarkup, Message, Update

from tests.fake_telegram.raw import assert_rejected, call, send_text
from tests.helpers.fake_telegram import FakeTelegram, find_api_json, load_spec

pytestmark = pytest.mark.e2e


async def test_explicit_api_json_path_and_default_finder() -> None:
    path = find_api_json()
    assert path.name == "api.json" and path.parent.name == "fake_telegram"
    async with FakeTelegram("42:abc", api_json=path, username="other_bot") as other:
        status, body = await call(other, "getMe")
    assert status == 200 and (body["result"]["id"], body["result"]["username"]) == (42, "other_bot")
    with pytest.raises(ValueError, match="not a bot token"):
        FakeTelegram("nonsense")


def test_the_bot_api_description_is_part_of_the_checkout_with_its_licence() -> None:
    """A clone anywhere runs the suite: nothing is looked for outside the repository."""
    path = find_api_json()
    repository = Path(__file__).resolve().parents[2]
    assert path.is_relative_to(repository) and path.is_file()
    assert load_spec(path).version.startswith("Bot API ")
    notice = (path.parent / "api.json.LICENSE").read_text()
    assert "MIT License" in notice and "Paul Larsen" in notice


async def test_wrong_token_is_401(fake: FakeTelegram) -> None:
    response = await call(fake, "getMe", token="123456789:wrong")
    assert response == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})


async def test_unknown_method_is_404_and_names_are_case_insensitive(fake: FakeTelegram) -> None:
    assert await call(fake, "sendPigeon") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    status, body = await call(fake, "GETME")
    assert status == 200 and body["result"]["username"] == "nearmiss_test_bot"
    assert fake.calls[-1].method == "getMe"


async def test_unimplemented_method_is_rejected_and_recorded(fake: FakeTelegram) -> None:
    assert_rejected(
        await call(fake, "sendPoll", chat_id=1, question="q", options="[]"),
        400,
        "Bad Request: method not implemented in fake",
    )
    assert fake.rejected[-1].method == "sendPoll"


async def test_missing_required_fields(fake: FakeTelegram) -> None:
    assert_rejected(
        await call(fake, "sendMessage", text="hi"), 400, "Bad Request: chat_id is required"
    )
    assert_rejected(await send_text(fake, "   \n "), 400, "Bad Request: message text is empty")
    assert_rejected(
        await call(fake, "sendMessage", chat_id=1001), 400, "Bad Request: message text is empty"
    )


async def test_parameter_types_are_checked(fake: FakeTelegram) -> None:
    assert_rejected(
        await call(fake, "getUpdates", limit="ten"), 400, "Bad Request: invalid limit specified"
    )
    assert_rejected(
        await send_text(fake, "hi", reply_markup="{not json"),
        400,
        "Bad Request: can't parse reply_markup JSON object",
    )
    assert_rejected(
        await send_text(fake, "hi", disable_notification="maybe"),
        400,
        "Bad Request: invalid disable_notification",
    )


async def test_unknown_fields_are_ignored_but_recorded(fake: FakeTelegram) -> None:
    status, _ = await send_text(fake, "hi", colour="blue")
    assert status == 200
    assert fake.calls[-1].ignored_fields == ["colour"]


async def test_json_body_and_query_string(fake: FakeTelegram) -> None:
    fake.private_chat(user_id=1001, first_name="Amara")
    body = {
        "chat_id": 1001,
        "text": "<i>json</i>",
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]},
    }
    status, answer = await call(fake, "sendMessage", json_body=body)
    assert status == 200 and answer["result"]["text"] == "json"
    async with aiohttp.ClientSession() as session:
        url = f"{fake.base_url}/bot{fake.token}/sendMessage?chat_id=1001&text=query"
        async with session.get(url) as response:
            assert (await response.json())["result"]["text"] == "query"


async def test_results_are_valid_telegram_objects(fake: FakeTelegram) -> None:
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    _, body = await send_text(fake, "<b>x</b> y", parse_mode="HTML", reply_markup=markup)
    message = Message.model_validate(body["result"])
    assert message.reply_markup == InlineKeyboardMarkup.model_validate(markup)
    assert fake.spec.shape_errors("Message", body["result"], "result") == []
    assert body["result"]["from"]["is_bot"] is True and body["result"]["message_id"] == 1


async def test_generated_updates_are_valid_telegram_updates(fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara", language_code="en")
    group = fake.group_chat(chat_id=-100123, title="Rosewood team")
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    await send_text(fake, "pick", reply_markup=markup)
    await chat.send("/start x", wait=False)
    await chat.send_sticker(wait=False)
    await chat.send_photo("c", wait=False)
    await chat.send_voice(wait=False)
    await chat.send_document(wait=False)
    await chat.click("A", wait=False)
    await chat.click_data("zz", message_id=99, wait=False)
    await group.send("hey", from_user=chat, wait=False)
    _, body = await call(fake, "getUpdates")
    updates = body["result"]
    assert [u["update_id"] for u in updates] == list(range(1, 9))
    for update in updates:
        Update.model_validate(update)
        assert fake.spec.shape_errors("Update", update, "update") == []
    first = updates[0]["message"]
    assert first["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert first["from"] == {
        "id": 1001,
        "is_bot": False,
        "first_name": "Amara",
        "language_code": "en",
    }
    assert updates[5]["callback_query"]["message"]["reply_markup"] == markup
    assert updates[6]["callback_query"]["message"]["date"] == 0  # inaccessible message
    assert updates[7]["message"]["chat"] == {
        "id": -100123,
        "type": "supergroup",
        "title": "Rosewood team",
    }
