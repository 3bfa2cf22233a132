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
async def test_without_a_usable_token_run_explains_how_to_get_one(
        token: str, database_url: str, tmp_path: Path) -> None:
    code, out, err = await _nearmiss("run", env=_env(database_url, BOT_TOKEN=token), cwd=tmp_path)
    assert code == 2
    assert "@BotFather" in err and "BOT_TOKEN" in err and ".env" in err
    assert "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1  # one paragraph, not a stack of noise


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
    code, out, _ = await _nearmiss("team", "add", "Rosewood House", env=env, cwd=tmp_path)
    assert code == 1 and "already exists" in out
    code, out, _ = await _nearmiss("team", "list", env=env, cwd=tmp_path)
    assert code == 0 and team_code in out and "Lounge, Kitchen" in out


class BotProcess:
    """`nearmiss run` in its own process, as `make run` starts it."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        self.starts += 1
        log = (self.cwd / f"bot-{self.starts}.log").open("wb")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "nearmiss.cli", "run", env=self.env, cwd=self.cwd,
            stdout=log, stderr=log)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no clean-up, no chance to save anything
        await self.process.wait()

    async def terminate(self) -> int:
        assert self.process is not None
        self.process.terminate()
        return await asyncio.wait_for(self.process.wait(), timeout=30)


@pytest.fixture
async def bot_process(fake: FakeTelegram, database_url: str,
                      tmp_path: Path) -> AsyncIterator[BotProcess]:
    env = _env(database_url, BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url)
    runner = BotProcess(env, tmp_path)
    await runner.start()
    yield runner
    if runner.process is not None and runner.process.returncode is None:
        await runner.kill()


async def _answer(chat: ChatClient, act: Callable[[], object], expect: str) -> None:
    before = len(chat.texts())
    await act()  # type: ignore[misc]
    await chat.wait_for(lambda: len(chat.texts()) > before and expect in chat.last_text(),
                        timeout=REPLY_TIMEOUT)


async def test_a_killed_bot_process_loses_no_answer(
        fake: FakeTelegram, bot_process: BotProcess, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(4001, "Rhys")

    def send(text: str) -> Callable[[], object]:
        return lambda: chat.send(text, wait=False)

    def click(label: str) -> Callable[[], object]:
        return lambda: chat.click(label, wait=False)

    await _answer(chat, send(f"/start {team.code}"), "Question 1 of 9")
    await _answer(chat, send("yesterday"), "Question 2 of 9")
    await _answer(chat, send("22:15"), "Question 3 of 9")
    await _answer(chat, click("Kitchen"), "Question 4 of 9")
    await bot_process.kill()
    await bot_process.start()
    await _answer(chat, click("Environment and equipment"), "Question 5 of 9")
    await _answer(chat, send("Kettle flex trailing across the worktop edge"), "Question 6 of 9")
    await bot_process.kill()
    await chat.send("Moved the kettle and tucked the flex away", wait=False)  # sent while down
    await bot_process.start()
    await chat.wait_for(lambda: "Question 7 of 9" in chat.last_text(), timeout=REPLY_TIMEOUT)
    await _answer(chat, click("Skip"), "Question 8 of 9")
    await _answer(chat, click("Nobody yet"), "Question 9 of 9")
    await _answer(chat, click("Skip"), "Please check your report")
    await _answer(chat, click("Submit report"), "NM-")
    assert await bot_process.terminate() == 0  # SIGTERM stops polling cleanly
    async with sessionmaker() as session:
        report = (await session.scalars(select(Report))).one()
    assert report.occurred_time is not None and report.occurred_time.strftime("%H:%M") == "22:15"
    assert (report.place, report.category) == ("Kitchen", "environment")
    assert report.what_happened == "Kettle flex trailing across the worktop edge"
    assert report.how_prevented == "Moved the kettle and tucked the flex away"
