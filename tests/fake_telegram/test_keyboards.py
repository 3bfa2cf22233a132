"""The fake Bot API's keyboard rules: callback data size, one action per inline button, reply
keyboards."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fake_telegram.raw import assert_rejected, call, inline, send_text
from tests.helpers.fake_telegram import FakeTelegram

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("data", "ok"),
    [("x" * 64, True), ("x" * 65, False), ("é" * 32, True), ("é" * 33, False), ("", False)],
)
async def test_callback_data_is_limited_to_64_bytes(
    fake: FakeTelegram, data: str, ok: bool
) -> None:
    response = await send_text(
        fake, "pick", reply_markup=inline({"text": "A", "callback_data": data})
    )
    if ok:
        assert response[0] == 200, response
    else:
        assert_rejected(response, 400, "Bad Request: BUTTON_DATA_INVALID")


@pytest.mark.parametrize(
    ("button", "reason"),
    [
        ({"text": "A"}, "Text buttons are unallowed in the inline keyboard"),
        ({"text": "A", "callback_data": "a", "url": "https://x.org"}, "exactly one action"),
        ({"text": "", "callback_data": "a"}, "Text must be non-empty"),
        ({"callback_data": "a"}, 'Can\'t find field "text"'),
    ],
)
async def test_inline_buttons_need_text_and_one_action(
    fake: FakeTelegram, button: dict[str, Any], reason: str
) -> None:
    response = await send_text(fake, "pick", reply_markup=inline(button))
    assert_rejected(response, 400, "Bad Request: can't parse inline keyboard button: " + reason)


async def test_reply_keyboards(fake: FakeTelegram) -> None:
    reply = {"keyboard": [["Yes", {"text": "No"}]], "resize_keyboard": True}
    assert (await send_text(fake, "ok?", reply_markup=reply))[0] == 200
    assert (await send_text(fake, "bye", reply_markup={"remove_keyboard": True}))[0] == 200
    assert (await send_text(fake, "why?", reply_markup={"force_reply": True}))[0] == 200
    assert_rejected(
        await send_text(fake, "x", reply_markup={"keyboard": [[""]]}),
        400,
        "Bad Request: can't parse keyboard button",
    )
    assert_rejected(
        await send_text(fake, "x", reply_markup={"buttons": []}),
        400,
        "Bad Request: can't parse reply keyboard markup JSON object",
    )
    # editMessageText only takes inline keyboards.
    assert_rejected(
        await call(
            fake, "editMessageText", chat_id=1001, message_id=1, text="y", reply_markup=reply
        ),
        400,
        "Bad Request: ReplyKeyboardMarkup",
    )
