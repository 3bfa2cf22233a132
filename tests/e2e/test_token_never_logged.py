"""The bot token never appears in a log line, an exception's text or /healthz.

Every Bot API URL holds the token (`.../bot<token>/<method>`), so an error naming its URL, as
a malformed TELEGRAM_API_URL gives, would carry it along.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from pathlib import Path
from urllib.parse import quote

import pytest
from aiogram.exceptions import TelegramNetworkError

from bot.dispatcher import create_bot
from core import log_redaction
from core.log_redaction import REDACTED
from core.settings import Settings
from nearmiss.logs import configure_logging
from tests.e2e.test_process import REPLY_TIMEOUT, BotProcess, _env, _free_port
from tests.e2e.test_startup_reach import health

TOKEN = "987654321:AAKnownTokenThatMustNeverBeLogged_42"
SECRET = TOKEN.split(":")[1]
MALFORMED = "http://127.0.0.1:notaport"  # a typo an operator could make


async def test_no_log_line_or_health_answer_holds_the_token_at_debug_level(
        database_url: str, tmp_path: Path) -> None:
    env = _env(database_url, BOT_TOKEN=TOKEN, TELEGRAM_API_URL=MALFORMED, LOG_LEVEL="DEBUG",
               ADMIN_PORT=str(_free_port()), DATA_DIR=str(tmp_path))
    runner = BotProcess(env, tmp_path)
    await runner.start()
    try:
        for _ in range(int(REPLY_TIMEOUT * 10)):  # until the failed call has been logged
            if "cannot reach Telegram" in runner.log():
                break
            await asyncio.sleep(0.1)
        status, body = await health(runner)
    finally:
        assert await runner.terminate() in (0, -15)
    log = runner.log()
    assert f"bot987654321:{REDACTED}/deleteWebhook" in log, log  # the URL was logged, cleaned
    assert SECRET not in log, log
    assert status == 503 and SECRET not in str(body) and REDACTED in body["reason"], body


async def test_an_error_raised_by_the_bots_session_holds_no_token(database_url: str) -> None:
    settings = Settings(_env_file=None, bot_token=TOKEN, database_url=database_url,
                        telegram_api_url=MALFORMED)
    bot = create_bot(settings)
    try:
        with pytest.raises(TelegramNetworkError) as raised:
            await bot.delete_webhook()
    finally:
        await bot.session.close()
    shown = "".join(traceback.format_exception(raised.value))
    assert f"bot987654321:{REDACTED}/deleteWebhook" in shown
    assert SECRET not in shown and SECRET not in repr(raised.value)


def test_the_logging_configuration_redacts_the_token_from_every_record(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever logs it (a library, our code), however (argument, message, exception, a URL
    percent-encoded), the token's secret is gone from the line."""
    previous = logging.getLogRecordFactory()
    monkeypatch.setattr(log_redaction, "_secrets", [])
    try:
        configure_logging(Settings(_env_file=None, bot_token=TOKEN, log_level="DEBUG"))
        log = logging.getLogger("some.library")
        with caplog.at_level(logging.DEBUG):
            log.debug("calling %s", f"http://127.0.0.1/bot{TOKEN}/getMe")
            log.info(f"a message holding {TOKEN}")
            log.warning("encoded: %s", quote(TOKEN, safe=""))
            try:
                raise RuntimeError(f"failed at http://127.0.0.1/bot{TOKEN}/getMe")
            except RuntimeError:
                log.exception("the call failed")
    finally:
        logging.setLogRecordFactory(previous)
    assert SECRET not in caplog.text, caplog.text
    assert caplog.text.count(REDACTED) == 4, caplog.text
