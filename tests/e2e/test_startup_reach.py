"""A real `nearmiss run` started while Telegram cannot be reached, or refuses the token.

The bot keeps trying (capped back-off, logged once), /healthz answers 503 with the reason
meanwhile, and polling starts by itself once Telegram answers. A rejected token is final:
logged once, /healthz says so, the admin panel keeps running.
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from nearmiss.serve import build_app
from storage.models import Team
from tests.e2e.test_process import REPLY_TIMEOUT, BotProcess, _env, _free_port
from tests.helpers.fake_telegram import FakeTelegram
from tests.helpers.web import serve

UNREACHABLE = "cannot reach Telegram"


async def _start(fake: FakeTelegram, database_url: str, tmp_path: Path,
                 **extra: str) -> BotProcess:
    env = _env(database_url, **{"BOT_TOKEN": fake.token, "TELEGRAM_API_URL": fake.base_url,
                                "ADMIN_PORT": str(_free_port()), "DATA_DIR": str(tmp_path),
                                **extra})
    runner = BotProcess(env, tmp_path)
    await runner.start()
    return runner


async def health(runner: BotProcess) -> tuple[int, dict[str, Any]]:
    """/healthz's status and body, once the admin panel answers (a cold start takes seconds)."""
    url = f"http://127.0.0.1:{runner.env['ADMIN_PORT']}/healthz"
    async with httpx.AsyncClient() as http:
        for _ in range(int(REPLY_TIMEOUT * 10)):
            try:
                answer = await http.get(url)
                return answer.status_code, answer.json()
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise AssertionError(f"no answer from {url}\n{runner.log()}")


async def test_telegram_unreachable_at_start_is_retried_and_healthz_is_503_until_it_answers(
        fake: FakeTelegram, database_url: str, tmp_path: Path, team: Team) -> None:
    fake.start_outage(502)  # the internet is down while the server boots
    runner = await _start(fake, database_url, tmp_path)
    try:
        await fake.wait_for(lambda: len(fake.calls_to("deleteWebhook")) >= 2,
                            timeout=REPLY_TIMEOUT)  # tried, and tried again
        status, body = await health(runner)
        assert status == 503 and body["ok"] is False, body
        assert UNREACHABLE in body["reason"] and "gateway" in body["reason"], body
        fake.end_outage()
        await fake.wait_until_polling(timeout=REPLY_TIMEOUT)
        chat = fake.private_chat(4201, "Siân")
        await chat.send(f"/start {team.code}", wait=False)
        await chat.wait_for(lambda: "Question 1 of" in chat.last_text(), timeout=REPLY_TIMEOUT)
        assert await health(runner) == (200, {"ok": True, "bot": "running"})
    finally:
        assert await runner.terminate() in (0, -15)
    log = runner.log()
    assert log.count(UNREACHABLE) == 1, log  # once, not once an attempt
    assert "the bot stopped" not in log and "Traceback" not in log, log


async def test_a_token_telegram_rejects_is_reported_once_and_healthz_says_why(
        fake: FakeTelegram, database_url: str, tmp_path: Path) -> None:
    fake.expect_refusal("deleteWebhook", None, 401)  # type: ignore[arg-type]
    runner = await _start(fake, database_url, tmp_path,
                          BOT_TOKEN="123456789:AAThisTokenWasRevokedLongAgo0000")
    try:
        await fake.wait_for(lambda: fake.calls_to("deleteWebhook"), timeout=REPLY_TIMEOUT)
        for _ in range(int(REPLY_TIMEOUT * 10)):  # the answer reaches the bot's log
            if "rejected BOT_TOKEN" in runner.log():
                break
            await asyncio.sleep(0.1)
        status, body = await health(runner)
        assert status == 503 and "Telegram rejected BOT_TOKEN" in body["reason"], body
        assert (await health(runner))[0] == 503
        assert len(fake.calls_to("deleteWebhook")) == 1  # not tried again
        assert not fake.calls_to("getUpdates")
    finally:
        assert await runner.terminate() in (0, -15)
    log = runner.log()
    assert log.count("rejected BOT_TOKEN") == 1 and "Traceback" not in log, log
    assert "AAThisTokenWasRevokedLongAgo0000" not in log


async def test_webhook_mode_registers_once_telegram_answers_after_an_unreachable_start(
        fake: FakeTelegram, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
        tmp_path: Path) -> None:
    webhook = settings.model_copy(update={
        "webhook_url": "https://nearmiss.example.org/telegram/webhook", "data_dir": tmp_path,
        "secret_key": SecretStr(secrets.token_urlsafe(48))})
    fake.start_outage(504, html=False)
    app, bot = build_app(webhook, sessionmaker, with_bot=True)
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as http:
        answer = await http.get("/healthz")  # served although Telegram is not reachable
        assert answer.status_code == 503 and UNREACHABLE in answer.json()["reason"]
        fake.end_outage()
        await fake.wait_for(lambda: fake.world.webhook, timeout=REPLY_TIMEOUT)
        for _ in range(int(REPLY_TIMEOUT * 10)):  # the answer to setWebhook reaches the app
            answer = await http.get("/healthz")
            if answer.status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert bot.receiver is not None
        assert (answer.status_code, answer.json()) == (200, {"ok": True, "bot": "running"})
