"""Webhook mode: Telegram POSTs updates to the admin's app, served for real by uvicorn.

The fake Bot API delivers to http://127.0.0.1:<port><path of WEBHOOK_URL>, standing in for the
TLS-terminating proxy in front of a production server; WEBHOOK_URL itself is https, as Telegram
demands.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dispatcher import UPDATE_TYPES
from bot.webhook import SECRET_HEADER, shared_secret, webhook_path
from core.settings import Settings
from nearmiss.bot_in_app import BotInApp
from nearmiss.serve import build_app
from storage.models import FsmRecord, Report, Team
from storage.repositories import OutboxRepository
from tests.e2e.flow import no_harm, privacy
from tests.e2e.test_process import _answer, _env, _free_port
from tests.helpers.backend import postgres_only
from tests.helpers.fake_telegram import ChatClient, FakeTelegram
from tests.helpers.redis_server import REDIS_URL, needs_redis, redis, redis_prefix
from tests.helpers.web import serve

__all__ = ["redis", "redis_prefix"]  # fixtures

WEBHOOK_URL = "https://nearmiss.example.org/telegram/webhook"
PATH = "/telegram/webhook"


@dataclass
class WebhookBot:
    """The app as `nearmiss run --webhook` builds it, listening on a free loopback port."""

    url: str
    bot: BotInApp

    @property
    def receiver(self) -> Any:
        assert self.bot.receiver is not None, "the webhook is not being served"
        return self.bot.receiver

    async def post(self, body: bytes | dict[str, Any], secret: str | None) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        async with httpx.AsyncClient(base_url=self.url) as http:
            if isinstance(body, dict):
                return await http.post(PATH, json=body, headers=headers)
            return await http.post(PATH, content=body, headers=headers)


@pytest.fixture
def webhook_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={
        "webhook_url": WEBHOOK_URL, "data_dir": tmp_path,
        "secret_key": SecretStr(secrets.token_urlsafe(48))})


@pytest.fixture
async def webhook_bot(webhook_settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                      fake: FakeTelegram) -> AsyncIterator[WebhookBot]:
    app, bot = build_app(webhook_settings, sessionmaker, with_bot=True)
    async with serve(app) as url:
        fake.webhook.proxy = url

        async def settled() -> None:
            if bot.receiver is not None:
                await bot.receiver.drain()

        fake.webhook_settled = settled
        yield WebhookBot(url, bot)


async def _file_report(chat: ChatClient, team: Team, what: str) -> None:
    """The quickest report, answer by answer, without knowing when a worker finished one."""

    def send(text: str) -> Callable[[], object]:
        return lambda: chat.send(text, wait=False)

    def click(label: str) -> Callable[[], object]:
        return lambda: chat.click(label, wait=False)

    await _answer(chat, send(f"/start {team.code}"), "Question 1 of 11")
    await _answer(chat, lambda: no_harm(chat, wait=False), "Question 2 of 11")
    await _answer(chat, send("yesterday"), "Question 3 of 11")
    await _answer(chat, send("22:15"), "Question 4 of 11")
    await _answer(chat, click("Kitchen"), "Question 5 of 11")
    await _answer(chat, click("Environment and equipment"), "Question 6 of 11")
    await _answer(chat, send(what), "Question 7 of 11")
    await _answer(chat, send("Tucked the flex away"), "Question 8 of 11")
    await _answer(chat, click("Skip"), "Question 9 of 11")
    await _answer(chat, click("Nobody yet"), "Question 10 of 11")
    await _answer(chat, click("Skip"), "Question 11 of 11")
    await _answer(chat, lambda: privacy(chat, wait=False), "Please check your report")
    await _answer(chat, click("Submit report"), "NM-")


def _start_update(chat: ChatClient, text: str, update_id: int = 900_001) -> dict[str, Any]:
    """A well-formed update, as Telegram would post it, that the bot would answer."""
    assert chat.user is not None
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": 1_700_000_000, "from": chat.user.to_api(),
        "chat": chat.state.to_api(), "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]}}


async def _fsm_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(FsmRecord)) or 0)


async def test_the_webhook_is_registered_with_a_secret_and_the_updates_the_bot_uses(
        fake: FakeTelegram, webhook_bot: WebhookBot) -> None:
    [registered] = fake.calls_to("setWebhook")
    assert registered.params["url"] == WEBHOOK_URL
    assert registered.params.get("drop_pending_updates") is not True  # nothing is thrown away
    assert len(registered.params["secret_token"]) >= 32
    assert sorted(registered.params["allowed_updates"]) == sorted(UPDATE_TYPES)
    assert fake.world.webhook_secret == webhook_bot.receiver.secret
    assert fake.calls_to("getUpdates") == []  # no polling in webhook mode
    async with httpx.AsyncClient(base_url=webhook_bot.url) as http:
        assert (await http.get("/healthz")).json() == {"ok": True, "bot": "running"}
        assert (await http.get("/admin/login")).status_code == 200  # the same app


async def test_a_worker_files_a_whole_report_by_webhook(
        fake: FakeTelegram, webhook_bot: WebhookBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(6001, "Amara")
    await chat.send(f"/start {team.code}")
    assert "Question 1 of 11" in chat.last_text()
    await no_harm(chat)
    await chat.send("yesterday")
    await chat.send("14:30")
    await chat.click("Lounge")
    await chat.click("Medication")
    await chat.send("Two residents' tablets were nearly swapped at the tea round")
    await chat.send("The name check on the pot caught it")
    await chat.click("Skip")
    await chat.click("Nobody yet")
    await chat.click("Skip")
    await privacy(chat)
    assert "Please check your report" in chat.last_text()
    await chat.click("Submit report")
    assert "NM-" in chat.last_text()
    async with sessionmaker() as session:
        report = (await session.scalars(select(Report))).one()
    assert (report.place, report.category) == ("Lounge", "medication")
    assert report.how_prevented == "The name check on the pot caught it"
    assert all(d.status == 200 for d in fake.webhook.deliveries)
    assert fake.calls_to("getUpdates") == []


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", "x" * 200])
async def test_a_request_without_the_right_secret_is_refused_and_changes_nothing(
        secret: str | None, fake: FakeTelegram, webhook_bot: WebhookBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(6002, "Mallory")
    forged = _start_update(chat, f"/start {team.code}")
    response = await webhook_bot.post(forged, secret)
    assert response.status_code == 403
    await webhook_bot.receiver.drain()
    assert chat.texts() == [] and fake.calls_to("sendMessage") == []
    assert await _fsm_rows(sessionmaker) == 0
    # The very same update with the right secret is answered: the refusal was the secret's.
    assert (await webhook_bot.post(forged, webhook_bot.receiver.secret)).status_code == 200
    await webhook_bot.receiver.drain()
    assert "Question 1 of 11" in chat.last_text()


@pytest.mark.parametrize("body", [b"not json", b"", b"[]", b'{"update_id": "seven"}',
                                  b'{"message": {"text": "no update id"}}', b"\xff\xfe{",
                                  b'{"update_id": 1, "message": {"chat": 5}}'])
async def test_a_malformed_body_gets_400_and_the_bot_carries_on(
        body: bytes, fake: FakeTelegram, webhook_bot: WebhookBot, team: Team) -> None:
    response = await webhook_bot.post(body, webhook_bot.receiver.secret)
    assert response.status_code == 400
    assert webhook_bot.receiver.tasks == set()
    chat = fake.private_chat(6003, "Bea")
    await chat.send(f"/start {team.code}")
    assert "Question 1 of 11" in chat.last_text()


async def test_the_answer_to_telegram_does_not_wait_for_a_slow_handler(
        fake: FakeTelegram, webhook_bot: WebhookBot, team: Team) -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow(handler: Callable[..., Awaitable[Any]], event: Any,
                   data: dict[str, Any]) -> Any:
        entered.set()
        await release.wait()  # e.g. a database or Telegram that is slow to answer
        return await handler(event, data)

    webhook_bot.receiver.dp.update.outer_middleware(slow)
    chat = fake.private_chat(6004, "Cai")
    update_id = await chat.send(f"/start {team.code}", wait=False)
    await fake.wait_for(lambda: any(d.update_id == update_id and d.status == 200
                                    for d in fake.webhook.deliveries))
    # Telegram has its 200 while the handler is still held: nothing answered yet.
    await asyncio.wait_for(entered.wait(), timeout=5)
    assert not release.is_set() and chat.texts() == []
    assert len(webhook_bot.receiver.tasks) == 1
    release.set()
    await webhook_bot.receiver.drain()
    assert "Question 1 of 11" in chat.last_text()


async def test_a_failing_server_makes_telegram_deliver_again(
        fake: FakeTelegram, webhook_bot: WebhookBot, team: Team) -> None:
    good = fake.webhook.proxy
    fake.webhook.proxy = f"http://127.0.0.1:{_free_port()}"  # the proxy cannot reach us
    chat = fake.private_chat(6005, "Dewi")
    update_id = await chat.send(f"/start {team.code}", wait=False)
    await fake.wait_for(lambda: len(fake.webhook.deliveries) >= 2)
    assert all(d.status == 0 for d in fake.webhook.deliveries)
    info = fake.world.webhook
    assert info is not None and "Connection error" in info["last_error_message"]
    fake.webhook.proxy = good
    await fake.wait_handled(update_id)
    assert "Question 1 of 11" in chat.last_text()


async def test_the_outbox_sender_still_delivers_in_webhook_mode(
        fake: FakeTelegram, webhook_bot: WebhookBot,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    group = fake.group_chat(-1009001, "Rosewood leads")
    async with sessionmaker.begin() as session:
        await OutboxRepository(session).enqueue(batch="wh-1", kind="bulletin", messages=[
            (group.id, True, "<b>Learning</b> by webhook")])
    await group.wait_for(lambda: "Learning by webhook" in group.last_text(), timeout=15)


def test_the_webhook_url_must_be_https_with_a_path_of_its_own() -> None:
    assert webhook_path(WEBHOOK_URL) == PATH
    for bad in ("http://nearmiss.example.org/hook", "https://nearmiss.example.org",
                "https://nearmiss.example.org/", "https://nearmiss.example.org/admin/x"):
        with pytest.raises(ValueError):
            webhook_path(bad)


def test_workers_derive_the_same_secret_from_the_secret_key() -> None:
    key = secrets.token_urlsafe(48)
    assert shared_secret(key) == shared_secret(key) != shared_secret(key + "x")
    assert key not in shared_secret(key)


# -- a real `nearmiss run --webhook` process ----------------------------------------------------


async def _run(args: list[str], env: dict[str, str], cwd: Path,
               name: str = "webhook") -> asyncio.subprocess.Process:
    log = (cwd / f"{name}.log").open("wb")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nearmiss.cli", "run", *args, env=env, cwd=cwd, stdout=log,
        stderr=log)


async def test_nearmiss_run_webhook_files_a_report(
        fake: FakeTelegram, database_url: str, tmp_path: Path, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    port = _free_port()
    env = _env(database_url, BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url,
               ADMIN_PORT=str(port), DATA_DIR=str(tmp_path), WEBHOOK_URL=WEBHOOK_URL)
    fake.webhook.proxy = f"http://127.0.0.1:{port}"
    process = await _run(["--webhook"], env, tmp_path)
    try:
        await _file_report(fake.private_chat(6101, "Rhys"), team,
                           "Kettle flex trailing across the worktop")
        process.terminate()
        assert await asyncio.wait_for(process.wait(), timeout=30) in (0, -15)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = (tmp_path / "webhook.log").read_text()
    assert "Traceback" not in output and "receiving updates by webhook" in output
    assert fake.calls_to("getUpdates") == []
    assert fake.calls_to("deleteWebhook") == []  # stopping one process leaves the webhook set
    assert fake.world.webhook is not None and fake.world.webhook["url"] == WEBHOOK_URL
    async with sessionmaker() as session:
        report = (await session.scalars(select(Report))).one()
    assert (report.place, report.category) == ("Kitchen", "environment")


@postgres_only
@needs_redis
async def test_two_workers_on_postgresql_share_the_webhook_and_the_outbox(
        fake: FakeTelegram, database_url: str, tmp_path: Path, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession], redis: object,
        redis_prefix: str) -> None:
    port = _free_port()
    assert REDIS_URL is not None
    env = _env(database_url, BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url,
               ADMIN_PORT=str(port), DATA_DIR=str(tmp_path), WEBHOOK_URL=WEBHOOK_URL,
               SECRET_KEY=secrets.token_urlsafe(48), REDIS_URL=REDIS_URL,
               REDIS_PREFIX=redis_prefix)
    fake.webhook.proxy = f"http://127.0.0.1:{port}"
    groups = [fake.group_chat(-1009100 - i, f"Team group {i}") for i in range(40)]
    process = await _run(["--webhook", "--workers", "2"], env, tmp_path, name="workers")
    try:
        await fake.wait_for(lambda: len(fake.calls_to("setWebhook")) >= 2, timeout=60)
        secrets_sent = {call.params["secret_token"] for call in fake.calls_to("setWebhook")}
        assert len(secrets_sent) == 1  # both workers accept what Telegram sends
        async with sessionmaker.begin() as session:
            await OutboxRepository(session).enqueue(batch="two-workers", kind="bulletin",
                                                    messages=[(g.id, True, "<b>Learning</b>")
                                                              for g in groups])
        chats = [fake.private_chat(6200 + i, f"Worker {i}") for i in range(3)]
        await asyncio.gather(*(_file_report(chat, team, f"Flex trailing, report {i}")
                               for i, chat in enumerate(chats)))
        await fake.wait_for(lambda: all("Learning" in g.last_text() for g in groups), timeout=60)
        process.terminate()
        assert await asyncio.wait_for(process.wait(), timeout=60) in (0, -15)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = (tmp_path / "workers.log").read_text()
    assert "Traceback" not in output
    assert output.count("receiving updates by webhook") == 2
    sent = [call.params["chat_id"] for call in fake.calls_to("sendMessage")
            if call.ok and call.params["chat_id"] < 0]
    assert sorted(sent) == sorted(g.id for g in groups)  # each row sent once, by one worker
    async with sessionmaker() as session:
        reports = (await session.scalars(select(Report))).all()
    assert sorted(r.what_happened for r in reports) == [f"Flex trailing, report {i}"
                                                        for i in range(3)]


@pytest.mark.parametrize(("args", "extra", "expect"), [
    (["--webhook"], {}, "--webhook needs WEBHOOK_URL"),
    (["--webhook"], {"WEBHOOK_URL": "http://example.org/hook"}, "must be an https:// URL"),
    (["--workers", "2"], {"WEBHOOK_URL": WEBHOOK_URL,  # SQLite on either pass of the suite
                          "DATABASE_URL": "sqlite+aiosqlite:///one.db"},
     "SQLite is one machine, one process"),
    (["--workers", "2"], {}, "--workers needs webhook mode"),
    (["--workers", "2"], {"WEBHOOK_URL": WEBHOOK_URL,
                          "DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:1/none"},
     "--workers needs Redis"),
])
async def test_run_refuses_a_webhook_set_up_it_cannot_serve(
        args: list[str], extra: dict[str, str], expect: str, fake: FakeTelegram,
        database_url: str, tmp_path: Path) -> None:
    env = _env(database_url, BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url,
               DATA_DIR=str(tmp_path), ADMIN_PORT=str(_free_port()), **extra)
    if "WEBHOOK_URL" not in extra:
        env.pop("WEBHOOK_URL", None)
    process = await _run(args, env, tmp_path, name="refused")
    assert await asyncio.wait_for(process.wait(), timeout=60) == 2
    output = (tmp_path / "refused.log").read_text()
    assert expect in output and "Traceback" not in output
    assert fake.calls == []

