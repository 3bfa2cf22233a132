"""bot.startup.until_reached against the fake Bot API: tried again until Telegram answers,
with capped back-off, logged once and then at most once a minute; a rejected token is final.

The clock and the sleep are the test's own, so the back-off is read, not waited.
"""

from __future__ import annotations

import logging

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramUnauthorizedError

from bot.startup import TOKEN_REJECTED, until_reached
from tests.helpers.fake_telegram import FakeTelegram


class Clock:
    """Time that passes only when slept."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
async def fake() -> FakeTelegram:  # type: ignore[misc]
    async with FakeTelegram() as fake:
        yield fake


def _bot(fake: FakeTelegram, token: str | None = None) -> Bot:
    return Bot(token or fake.token,
               session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))


async def test_telegram_down_is_tried_again_with_capped_back_off_and_logged_once_a_minute(
        fake: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    clock, reasons = Clock(), []
    fake.start_outage(502)
    bot = _bot(fake)

    async def get_me() -> object:
        if len(fake.calls_to("getMe")) == 12:  # Telegram is back for the 13th attempt
            fake.end_outage()
        return await bot.get_me()

    with caplog.at_level(logging.INFO, logger="bot.startup"):
        me = await until_reached(get_me, on_failure=reasons.append, clock=clock,
                                 sleep=clock.sleep)
    await bot.session.close()
    assert me.username == fake.username
    assert clock.slept == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60, 60]
    assert len(reasons) == 12 and all("cannot reach Telegram" in r for r in reasons)
    failures = [r for r in caplog.records if "cannot reach Telegram" in r.getMessage()]
    # Failures at 0, 1, 3, 7, 15, 31, 63, 123 ... 363 s: logged at 0 s, then no two lines
    # less than a minute apart (63, 123, 183, 243, 303, 363 s).
    assert len(failures) == 7, [r.getMessage() for r in caplog.records]
    assert any("answers again after 12 failed attempts" in r.getMessage()
               for r in caplog.records)


async def test_a_rejected_token_is_not_tried_again(
        fake: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    clock, reasons = Clock(), []
    bot = _bot(fake, "123456789:AAThisTokenWasRevokedLongAgo0000")
    with pytest.raises(TelegramUnauthorizedError):
        await until_reached(bot.get_me, on_failure=reasons.append, clock=clock,
                            sleep=clock.sleep)
    await bot.session.close()
    assert reasons == [TOKEN_REJECTED] and clock.slept == []
    assert len(fake.calls_to("getMe")) == 1
    fake.calls.clear()  # the 401 was the point
