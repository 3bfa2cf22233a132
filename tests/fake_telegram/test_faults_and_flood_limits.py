"""The fake Bot API's injected faults and Telegram's flood limits, as aiogram sees them."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter

from tests.fake_telegram.raw import assert_rejected, call, send_text
from tests.helpers.fake_telegram import FakeTelegram

pytestmark = pytest.mark.e2e


async def test_retry_after_injection_reaches_aiogram(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    fake.fail_next("sendMessage", retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(chat.id, "hi")
    assert caught.value.retry_after == 7
    await bot.send_message(chat.id, "hi")  # only the next call failed
    fake.assert_no_rejections()  # injected faults are not the bot's fault
    with pytest.raises(AssertionError):
        fake.assert_no_rejections(include_injected=True)


async def test_fail_next_answers_429_with_retry_after(fake: FakeTelegram) -> None:
    fake.fail_next("sendmessage", retry_after=3, times=2)
    for _ in range(2):
        assert await send_text(fake, "hi") == (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 3",
                "parameters": {"retry_after": 3},
            },
        )
    assert (await send_text(fake, "hi"))[0] == 200
    fake.fail_next("getMe", status=500, description="Internal Server Error")
    assert (await call(fake, "getMe"))[1] == {
        "ok": False,
        "error_code": 500,
        "description": "Internal Server Error",
    }
    assert [c.source for c in fake.rejected] == ["fault"] * 3


async def test_flood_limits_with_injected_clock(fake: FakeTelegram) -> None:
    now = [100.0]
    fake.enable_flood_limits(global_per_second=3, per_group_per_minute=4, clock=lambda: now[0])
    fake.private_chat(user_id=1001, first_name="Amara")
    fake.group_chat(chat_id=-100123, title="Rosewood team")
    for _ in range(3):
        assert (await call(fake, "sendMessage", chat_id=1001, text="x"))[0] == 200
    limited = await call(fake, "sendMessage", chat_id=1001, text="x")
    assert limited[1]["parameters"] == {"retry_after": 1}
    assert fake.rejected[-1].source == "flood"
    now[0] += 1.0  # the one-second window slid past
    assert (await call(fake, "sendChatAction", chat_id=1001, action="typing"))[0] == 200
    for _ in range(3):
        assert (await call(fake, "sendMessage", chat_id=-100123, text="g"))[0] == 200
        now[0] += 1.0
    assert (await call(fake, "sendMessage", chat_id=-100123, text="g"))[0] == 200
    now[0] += 10.0
    group_limited = await call(fake, "sendMessage", chat_id=-100123, text="g")
    assert_rejected(group_limited, 429, "Too Many Requests: retry after 47")
    assert group_limited[1]["parameters"] == {"retry_after": 47}
    now[0] += 47.0
    assert (await call(fake, "sendMessage", chat_id=-100123, text="g"))[0] == 200
    with pytest.raises(AssertionError, match="retry after"):
        fake.assert_no_rejections()  # flood 429s are the bot's doing
