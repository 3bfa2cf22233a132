"""What the load bench and the kill drill share: a fresh database, the `nearmiss` commands,
and a bot process started against the fake Bot API (polling or webhook) and stopped."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from core import memory
from storage.models import Report
from tests.helpers.fake_telegram import FakeTelegram
from tests.helpers.redis_server import keys_under

POSTGRES_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432"
WEBHOOK_URL = "https://nearmiss.example.org/telegram/webhook"
ROOT = Path(__file__).resolve().parent.parent  # the bot process imports bench/ from here
START_TIMEOUT = 60.0
# The calls that can bring a worker their next question: a tapped answer's next question
# replaces the question tapped (bot/reporting.py), a typed one's comes as a new message.
REPLIES = frozenset({"sendMessage", "editMessageText"})


@contextlib.contextmanager
def steady_collector() -> Iterator[None]:
    """The harness's own garbage collector set as the bot's is (core/memory.py), for a
    timed run: the fake and the workers keep every call, and a full collection of that heap
    paused this process long enough to count as the bot's latency."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*memory.THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def family(pid: int) -> list[int]:
    """The process and its descendants (`nearmiss run --workers N` is a supervisor and N
    workers), those still running."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                queue += [int(child) for child in (task / "children").read_text().split()]
    return found


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) the process and its descendants have used so far."""
    total = 0.0
    for member in family(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def peak_rss_kb(pid: int) -> int:
    """VmHWM, the most resident memory a process has had: summed over the process and its
    descendants."""
    total = 0
    for member in family(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
    return total


@contextlib.asynccontextmanager
async def database(db: str, tmp: Path) -> AsyncIterator[str]:
    """A fresh database: a SQLite file, or a PostgreSQL database created and dropped."""
    if db != "postgresql":  # the echo bot's "-" too: a file nobody opens
        yield f"sqlite+aiosqlite:///{tmp / 'load.db'}"
        return
    name = f"nearmiss_load_{os.getpid()}_{int(time.time())}"
    server = create_async_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT",
                                 poolclass=NullPool)
    async with server.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        async with server.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await server.dispose()


def env(**extra: str) -> dict[str, str]:
    drop = {"BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL", "WEBHOOK_URL", "REDIS_URL",
            "DEFAULT_LANGUAGE"}
    return {**{k: v for k, v in os.environ.items() if k not in drop}, "LOG_LEVEL": "INFO",
            **extra}


@contextlib.asynccontextmanager
async def redis_keys(url: str | None, prefix: str) -> AsyncIterator[None]:
    """A run's Redis keys (everything under `prefix:`) are deleted when it ends; nothing
    when there is no Redis."""
    try:
        yield
    finally:
        if url is not None:
            client = Redis.from_url(url)
            try:
                keys = await keys_under(client, prefix)
                if keys:
                    await client.delete(*keys)
            finally:
                await client.aclose()


async def command(*args: str, env: dict[str, str], cwd: Path) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nearmiss.cli", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out = (await asyncio.wait_for(process.communicate(), START_TIMEOUT))[0].decode()
    if process.returncode != 0:
        raise RuntimeError(f"nearmiss {' '.join(args)} failed:\n{out}")
    return out


async def prepare(env: dict[str, str], tmp: Path) -> str:
    """Migrate and add the team; its code."""
    await command("migrate", env=env, cwd=tmp)
    out = await command("team", "add", "Bench House", "--place", "Lounge", "--place",
                         "Kitchen", env=env, cwd=tmp)
    return next(line.split()[-1] for line in out.splitlines() if line.strip().startswith("code:"))


async def launch(bot: str, mode: str, fake: FakeTelegram, env: dict[str, str],
                 tmp: Path, log_name: str = "bot.log",
                 processes: int = 1) -> asyncio.subprocess.Process:
    """Start the bot ("nearmiss" or "echo") and wait until it polls or has set its webhook;
    `processes` > 1 runs `nearmiss run --webhook --workers N` (env must name Redis)."""
    port = free_port()
    env = {**env, "ADMIN_PORT": str(port), "PORT": str(port)}
    if mode == "webhook":
        env["WEBHOOK_URL"] = WEBHOOK_URL
        fake.webhook.proxy = f"http://127.0.0.1:{port}"
    args = ["-m", "bench.echo_bot"] if bot == "echo" else [
        "-m", "nearmiss.cli", "run", *(["--webhook"] if mode == "webhook" else []),
        *(["--workers", str(processes)] if processes > 1 else [])]
    log = (tmp / log_name).open("ab")
    process = await asyncio.create_subprocess_exec(sys.executable, *args, env=env,
                                                   cwd=ROOT, stdout=log, stderr=log)
    if mode == "webhook":
        await fake.wait_for(lambda: fake.world.webhook, START_TIMEOUT)
    else:
        await fake.wait_until_polling(START_TIMEOUT)
    return process


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


async def count_reports(url: str) -> int:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(select(func.count()).select_from(Report)))
                       .scalar_one())
    finally:
        await engine.dispose()
