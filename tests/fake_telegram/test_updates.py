"""The fake Bot API's updates: long polling, a second poller, waiting for the bot,
allowed_updates, edited messages."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram.types import Update

from tests.fake_telegram.raw import assert_rejected, call, send_text
from tests.helpers.fake_telegram import FakeTelegram

pytestmark = pytest.mark.e2e


async def test_get_updates_holds_until_an_update_arrives(fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    poll = asyncio.create_task(call(fake, "getUpdates", timeout=30))
    await fake.wait_until_polling()
    assert not poll.done()
    await chat.send("hi", wait=False)
    status, body = await asyncio.wait_for(poll, timeout=5)
    assert status == 200 and body["result"][0]["message"]["text"] == "hi"
    # Without a higher offset the update is delivered again; the offset confirms it.
    assert len((await call(fake, "getUpdates"))[1]["result"]) == 1
    assert (await call(fake, "getUpdates", offset=2))[1]["result"] == []
    assert fake.updates.pending == []


async def test_get_updates_timeout_and_limit(fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    assert (await call(fake, "getUpdates", timeout=0))[1]["result"] == []
    for text in ("a", "b", "c"):
        await chat.send(text, wait=False)
    result = (await call(fake, "getUpdates", limit=2))[1]["result"]
    assert [u["update_id"] for u in result] == [1, 2]
    assert [u["update_id"] for u in (await call(fake, "getUpdates", offset=-1))[1]["result"]] == [3]


async def test_a_second_poller_terminates_the_first(fake: FakeTelegram) -> None:
    first = asyncio.create_task(call(fake, "getUpdates", timeout=30))
    await fake.wait_until_polling()
    second = asyncio.create_task(call(fake, "getUpdates", timeout=0))
    assert_rejected(await asyncio.wait_for(first, 5), 409, "Conflict: terminated by other")
    assert (await second)[0] == 200


async def test_wait_handled_times_out_without_a_dispatcher(fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    with pytest.raises(AssertionError) as caught:
        await chat.send("anyone there?", timeout=0.2)
    message = str(caught.value)
    assert "update 1 was not handled within 0.2s" in message
    assert "getUpdates calls so far: 0" in message
    assert "→ Amara: anyone there?" in message  # the transcript


async def test_wait_for_times_out_with_transcript(fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    await send_text(fake, "hello")
    with pytest.raises(TimeoutError, match="← #1: hello"):
        await chat.wait_for(lambda: chat.last_text() == "bye", timeout=0.2)


async def _kinds(fake: FakeTelegram, **params: Any) -> list[str]:
    """The types of the updates getUpdates returns, confirming them."""
    result = (await call(fake, "getUpdates", json_body=params))[1]["result"]
    if result:
        await call(fake, "getUpdates", json_body={"offset": result[-1]["update_id"] + 1,
                                                  "timeout": 0})
    return [next(key for key in update if key != "update_id") for update in result]


async def test_allowed_updates_are_kept_until_changed_and_other_types_never_sent(
        fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    reaction = {"chat": chat.state.to_api(), "message_id": 1, "date": 0,
                "old_reaction": [], "new_reaction": []}
    await chat.send("before", wait=False)
    fake.enqueue_update({"message_reaction": reaction}, chat.id)  # not sent by default
    assert await _kinds(fake, timeout=0) == ["message"]
    assert await _kinds(fake, timeout=0, allowed_updates=["callback_query"]) == []
    assert fake.updates.allowed == ["callback_query"]
    await chat.send("typo", wait=False)
    edited = chat.last_sent_id()
    dropped = await chat.edit(edited, "fixed", wait=False)
    await send_text(fake, "pick", reply_markup={"inline_keyboard": [[{"text": "A",
                                                                        "callback_data": "a"}]]})
    await chat.click("A", wait=False)
    # A getUpdates without allowed_updates keeps the last setting.
    assert await _kinds(fake, timeout=0) == ["callback_query"]
    assert dropped in fake.updates.dropped
    await fake.wait_handled(dropped, timeout=0)  # never sent: nothing to wait for
    assert await _kinds(fake, timeout=0, allowed_updates=[]) == []  # [] is the default again
    assert fake.updates.allowed is None
    await chat.edit(edited, "fixed again", wait=False)
    assert await _kinds(fake, timeout=0) == ["edited_message"]


async def test_an_edit_is_the_whole_message_again_with_its_edit_date(fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    await chat.send("/join ROSE", wait=False)
    sent = chat.last_sent_id()
    await chat.edit(sent, "/join ROSE7KQM", wait=False)
    _, body = await call(fake, "getUpdates", timeout=0)
    original, edit = (update.get("message") or update["edited_message"]
                      for update in body["result"])
    assert "edited_message" in body["result"][1]
    Update.model_validate(body["result"][1])
    assert fake.spec.shape_errors("Update", body["result"][1], "update") == []
    assert edit["message_id"] == original["message_id"] == sent
    assert edit["text"] == "/join ROSE7KQM" and edit["edit_date"] >= original["date"]
    assert edit["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]
    with pytest.raises(AssertionError, match="no text message #99"):
        await chat.edit(99, "nothing there")
