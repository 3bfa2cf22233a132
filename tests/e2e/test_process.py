"""The `nearmiss` command as an operator runs it: a real process, killed and restarted."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Report, Team
from tests.e2e.flow import days_ago, no_harm, privacy
from tests.helpers.fake_telegram import ChatClient, FakeTelegram

REPLY_TIMEOUT = 30.0  # a cold start imports aiogram and SQLAlchemy; a slow CI machine needs room


def _env(database_url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in {"BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL", "DEFAULT_LANGUAGE"}}
    return {**env, "DATABASE_URL": database_url, "LOG_LEVEL": "INFO", **extra}


async def _nearmiss(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nearmiss.cli", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("token", ["", "replace-with-your-token-from-botfather", "12345"])
async def test_without_a_usable_token_the_bot_explains_how_to_get_one(
        token: str, database_url: str, tmp_path: Path) -> None:
    code, out, err = await _nearmiss("bot", env=_env(database_url, BOT_TOKEN=token), cwd=tmp_path)
    assert code == 2
    assert "@BotFather" in err and "BOT_TOKEN" in err and ".env" in err
    assert "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1  # one paragraph, not a stack of noise


@pytest.mark.parametrize("command", ["run", "migrate"])
async def test_a_placeholder_secret_key_is_refused_with_a_message_not_a_traceback(
        command: str, database_url: str, tmp_path: Path) -> None:
    env = _env(database_url, SECRET_KEY="change-me-change-me-change-me-change-me",
               DATA_DIR=str(tmp_path), BOT_TOKEN="")
    code, out, err = await _nearmiss(command, env=env, cwd=tmp_path)
    assert code == 2
    assert "SECRET_KEY must be a random value" in err and "token_urlsafe" in err
    assert "Traceback" not in err + out


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_without_a_token_run_still_serves_the_admin(database_url: str,
                                                          tmp_path: Path) -> None:
    import httpx

    port = _free_port()
    env = _env(database_url, BOT_TOKEN="", ADMIN_PORT=str(port), DATA_DIR=str(tmp_path))
    log = (tmp_path / "run.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nearmiss.cli", "run", env=env, cwd=tmp_path, stdout=log,
        stderr=log)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            health = None
            for _ in range(300):  # up to ~30 s for a cold start, checking every 0.1 s
                try:
                    health = (await http.get("/healthz")).json()
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            assert health == {"ok": True, "bot": "not configured (no BOT_TOKEN)"}
            assert (await http.get("/admin/login")).status_code == 200
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), timeout=30) in (0, -15)
    output = (tmp_path / "run.log").read_text()
    assert "@BotFather" in output and "the bot is NOT running" in output
    assert f"http://127.0.0.1:{port}/admin" in output and "Traceback" not in output


async def test_team_add_prints_the_code_and_invite_link(
        fake: FakeTelegram, database_url: str, tmp_path: Path) -> None:
    env = _env(database_url, BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url)
    code, out, _ = await _nearmiss("team", "add", "Rosewood House", "--place", "Lounge",
                                   "--place", "Kitchen", env=env, cwd=tmp_path)
    assert code == 0
    assert "Rosewood House" in out and "Lounge, Kitchen" in out
    link = next(line for line in out.splitlines() if "invite link" in line).split()[-1]
    assert link.startswith("https://t.me/nearmiss_test_bot?start=")
    team_code = link.rsplit("=", 1)[1]
    assert f"code:        {team_code}" in out
    code, _, err = await _nearmiss("team", "add", "Rosewood House", env=env, cwd=tmp_path)
    assert code == 2 and "already exists" in err
    code, out, _ = await _nearmiss("team", "list", env=env, cwd=tmp_path)
    assert code == 0 and team_code in out and "Lounge, Kitchen" in out


class BotProcess:
    """`nearmiss run` in its own process, as `make run` starts it."""

    args: tuple[str, ...] = ("run",)
    log_name = "bot"
    new_session = False  # a process group of its own (for one with worker processes)

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        self.starts += 1
        log = (self.cwd / f"{self.log_name}-{self.starts}.log").open("wb")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "nearmiss.cli", *self.args, env=self.env, cwd=self.cwd,
            stdout=log, stderr=log, start_new_session=self.new_session)

    async def kill(self) -> None:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.kill()  # SIGKILL: no clean-up, no chance to save anything
        await self.process.wait()

    async def terminate(self) -> int:
        assert self.process is not None
        self.process.terminate()
        return await asyncio.wait_for(self.process.wait(), timeout=30)

    def log(self) -> str:
        return "".join(path.read_text()
                       for path in sorted(self.cwd.glob(f"{self.log_name}-*.log")))


@pytest.fixture
async def bot_process(fake: FakeTelegram, database_url: str,
                      tmp_path: Path) -> AsyncIterator[BotProcess]:
    env = _env(database_url, BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url,
               ADMIN_PORT=str(_free_port()), DATA_DIR=str(tmp_path))
    runner = BotProcess(env, tmp_path)
    await runner.start()
    yield runner
    if runner.process is not None and runner.process.returncode is None:
        await runner.kill()


async def _answer(chat: ChatClient, act: Callable[[], object], expect: str) -> None:
    before = len(chat.arrivals)
    await act()  # type: ignore[misc]
    await chat.wait_for(lambda: len(chat.arrivals) > before and expect in chat.last_text(),
                        timeout=REPLY_TIMEOUT)


async def test_a_killed_bot_process_loses_no_answer(
        fake: FakeTelegram, bot_process: BotProcess, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(4001, "Rhys")

    def send(text: str) -> Callable[[], object]:
        return lambda: chat.send(text, wait=False)

    def click(label: str) -> Callable[[], object]:
        return lambda: chat.click(label, wait=False)

    await _answer(chat, send(f"/start {team.code}"), "Question 1 of 11")
    await _answer(chat, lambda: no_harm(chat, wait=False), "Question 2 of 11")
    await _answer(chat, send("yesterday"), "Question 3 of 11")
    await _answer(chat, send("22:15"), "Question 4 of 11")
    await _answer(chat, click("Kitchen"), "Question 5 of 11")
    await bot_process.kill()
    await bot_process.start()
    await _answer(chat, click("Environment and equipment"), "Question 6 of 11")
    await _answer(chat, send("Kettle flex trailing across the worktop edge"), "Question 7 of 11")
    await bot_process.kill()
    await chat.send("Moved the kettle and tucked the flex away", wait=False)  # sent while down
    await bot_process.start()
    await chat.wait_for(lambda: "Question 8 of 11" in chat.last_text()
                        or "I was interrupted" in chat.last_text(), timeout=REPLY_TIMEOUT)
    if "Question 8 of 11" not in chat.last_text():
        # The kill fell after Telegram showed question 7 but before the bot noted that it had:
        # it asks again rather than guess which question the message answers.
        await _answer(chat, send("Moved the kettle and tucked the flex away"), "Question 8 of 11")
    await _answer(chat, click("Skip"), "Question 9 of 11")
    await _answer(chat, click("Nobody yet"), "Question 10 of 11")
    await _answer(chat, click("Skip"), "Question 11 of 11")
    await _answer(chat, lambda: privacy(chat, wait=False), "Please check your report")
    await _answer(chat, click("Submit report"), "NM-")
    # SIGTERM: uvicorn shuts down gracefully, stops polling, then exits by the signal (-15).
    assert await bot_process.terminate() in (0, -15)
    assert "Polling stopped" in bot_process.log() and "Traceback" not in bot_process.log()
    async with sessionmaker() as session:
        report = (await session.scalars(select(Report))).one()
    assert report.occurred_time is not None and report.occurred_time.strftime("%H:%M") == "22:15"
    assert (report.place, report.category) == ("Kitchen", "environment")
    assert report.what_happened == "Kettle flex trailing across the worktop edge"
    assert report.how_prevented == "Moved the kettle and tucked the flex away"


async def test_create_admin_asks_for_the_password_and_stores_a_hash(
        database_url: str, tmp_path: Path,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    env = _env(database_url)

    async def create(email: str, password: str, *extra: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "nearmiss.cli", "create-admin", "--email", email, *extra,
            env=env, cwd=tmp_path, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(process.communicate(f"{password}\n".encode()), 60)
        return process.returncode or 0, out.decode()

    code, out = await create("Lead@Example.org", "short")
    assert code == 2 and "at least 12 characters" in out
    for weak in ("aaaaaaaaaaaa", "password1234"):  # common and repetitive passwords refused
        code, out = await create("Lead@Example.org", weak)
        assert code == 2 and "too easy to guess" in out
    code, out = await create("lead.example.org", "a long enough password")
    assert code == 2 and "not an email address" in out and "Traceback" not in out
    code, out = await create("Lead@Example.org", "a long enough password", "--role", "reviewer")
    assert code == 0 and "Created reviewer lead@example.org" in out
    code, out = await create("lead@example.org", "a long enough password")
    assert code == 2 and "already exists" in out
    from storage.repositories import AdminUserRepository

    async with sessionmaker() as session:
        user = await AdminUserRepository(session).get_by_email(email="lead@example.org")
    assert user is not None and user.role == "reviewer"
    assert user.password_hash.startswith("$argon2id$")
    assert "a long enough password" not in user.password_hash


async def test_reset_two_factor_turns_it_off_for_a_user_who_lost_their_phone(
        database_url: str, tmp_path: Path,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    from storage.repositories import AdminUserRepository

    async with sessionmaker() as session:
        users = AdminUserRepository(session)
        user = await users.create(email="lead@example.org", password_hash="h", role="admin")
        await users.set_totp(user, secret="A" * 32, step=1)
        await session.commit()

    async def reset(email: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "nearmiss.cli", "reset-two-factor", "--email", email,
            env=_env(database_url), cwd=tmp_path, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(process.communicate(), 60)
        return process.returncode or 0, out.decode()

    code, out = await reset("nobody@example.org")
    assert code == 1 and "no user nobody@example.org" in out
    code, out = await reset("Lead@Example.org")
    assert code == 0 and "off for lead@example.org" in out
    async with sessionmaker() as session:
        again = await AdminUserRepository(session).get_by_email(email="lead@example.org")
    assert again is not None and again.totp_secret is None and again.session_version == 1


@pytest.mark.parametrize("command", ["bot", "run"])
async def test_polling_removes_a_webhook_left_by_an_earlier_webhook_run(
        command: str, fake: FakeTelegram, database_url: str, team: Team, tmp_path: Path) -> None:
    import httpx

    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{fake.base_url}/bot{fake.token}/setWebhook",
                                 json={"url": "https://nearmiss.example.org/telegram/webhook"})
    assert answer.json()["ok"] and fake.world.webhook
    env = _env(database_url, BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url,
               ADMIN_PORT=str(_free_port()), DATA_DIR=str(tmp_path))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nearmiss.cli", command, env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        await fake.wait_until_polling(timeout=REPLY_TIMEOUT)
        chat = fake.private_chat(4101, "Gwen")
        await _answer(chat, lambda: chat.send(f"/start {team.code}", wait=False), "Question 1")
    finally:
        process.kill()
        await process.wait()
    assert not fake.world.webhook and fake.calls_to("deleteWebhook")



@pytest.mark.parametrize("command", ["bot", "run"])
async def test_the_process_asks_for_edits_and_an_edited_answer_changes_the_draft(
        command: str, fake: FakeTelegram, database_url: str, team: Team, tmp_path: Path) -> None:
    from bot.dispatcher import UPDATE_TYPES

    env = _env(database_url, BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url,
               ADMIN_PORT=str(_free_port()), DATA_DIR=str(tmp_path))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nearmiss.cli", command, env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        await fake.wait_until_polling(timeout=REPLY_TIMEOUT)
        # Kept from the poll under way (its call is recorded once it is answered).
        assert fake.updates.allowed is not None
        assert sorted(fake.updates.allowed) == sorted(UPDATE_TYPES)
        chat = fake.private_chat(4201, "Osian")
        await _answer(chat, lambda: chat.send(f"/start {team.code}", wait=False), "Question 1")
        await _answer(chat, lambda: no_harm(chat, wait=False), "Question 2")
        await _answer(chat, lambda: chat.send(days_ago(10), wait=False), "Question 3")
        date = chat.last_sent_id()
        await _answer(chat, lambda: chat.edit(date, days_ago(11), wait=False),
                      "I've changed your answer to “Date”")
    finally:
        process.kill()
        await process.wait()
