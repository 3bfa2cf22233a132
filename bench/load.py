"""Load: N simulated workers each file a whole report through the fake Bot API against a real
`nearmiss run` process, and the same harness drives a bare aiogram echo bot for comparison.

Each worker is a private chat that joins with /start CODE and answers the 11 questions and the
summary (13 updates), tapping by callback data so wording changes do not matter. Latency is
from the update being queued in the fake to the bot's reply (the message that lets the worker
go on) arriving at the fake. Saturation: workers answer as soon as the reply arrives.
Realistic: each waits 2 s between answers, starts spread over the first 2 s.
Goals: saturated throughput >= 0.5x the echo bot's; p99 < 50 ms realistic on SQLite.

Run: .venv/bin/python -m bench.load [--workers 200] [--db sqlite|postgresql]
     [--mode polling|webhook] [--run saturation|realistic|both] [--echo]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from storage.models import Report
from tests.helpers.fake_telegram import Call, ChatClient, FakeTelegram

POSTGRES_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432"
WEBHOOK_URL = "https://nearmiss.example.org/telegram/webhook"
ROOT = Path(__file__).resolve().parent.parent  # the bot process imports bench/ from here
PAUSE = 2.0  # a person tapping on a phone, between answers (realistic run)
REPLY_TIMEOUT = 60.0
START_TIMEOUT = 60.0
GOAL_RATIO, GOAL_P99_MS = 0.5, 50.0
# (kind, payload, step whose keyboard the reply carries; "" = the thanks with the reference)
SCRIPT: tuple[tuple[str, str, str], ...] = (
    ("send", "/start {code}", "harm"),
    ("tap", "harm|c0", "date"),  # nobody harmed, no concern
    ("tap", "date|c1", "time"),  # yesterday, so any time of day is in the past
    ("tap", "time|c2", "place"),
    ("tap", "place|c1", "category"),
    ("tap", "category|c0", "what"),
    ("send", "A hoist sling was twisted; spotted before the lift", "prevented"),
    ("send", "Second carer checked the sling and refitted it", "action"),
    ("tap", "action|skip", "told"),
    ("tap", "told|c0", "suggestions"),  # nobody yet
    ("tap", "suggestions|skip", "confidentiality"),
    ("tap", "confidentiality|c0", "review"),  # named
    ("tap", "review|submit", ""),
)


@dataclass(frozen=True)
class Config:
    bot: str  # "nearmiss" or "echo"
    db: str  # "sqlite" or "postgresql" (the echo bot has none)
    mode: str  # "polling" or "webhook"
    run: str  # "saturation" or "realistic"
    workers: int


@dataclass
class Result:
    config: Config
    latencies: list[float]
    elapsed: float
    peak_rss_kb: int
    stored: int | None  # reports in the database afterwards (None for the echo bot)
    failures: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else 0


def expects(bot: str, step: str) -> Callable[[dict[str, Any]], bool]:
    """Whether a sent message is the reply a worker waits for before its next answer."""
    if bot == "echo":
        return lambda message: True
    if not step:
        return lambda message: "NM-" in (message.get("text") or "")
    prefix = f"r|{step}|"
    return lambda message: any(
        str(button.get("callback_data", "")).startswith(prefix)
        for row in message.get("reply_markup", {}).get("inline_keyboard", []) for button in row)


class Worker:
    """One support worker's chat: answers the script, timing each reply."""

    def __init__(self, chat: ChatClient, bot: str, code: str) -> None:
        self.chat, self.bot, self.code = chat, bot, code
        self.latencies: list[float] = []
        self.last_reply_at = 0.0
        self._waiting: tuple[Callable[[dict[str, Any]], bool], asyncio.Future[Any]] | None = None
        self._message_id = 0

    def on_sent(self, message: dict[str, Any], at: float) -> None:
        if self._waiting and not self._waiting[1].done() and self._waiting[0](message):
            self._waiting[1].set_result((message, at))

    async def run(self, pause: float, start_delay: float) -> None:
        await asyncio.sleep(start_delay)
        for index, (kind, payload, step) in enumerate(SCRIPT):
            if index and pause:
                await asyncio.sleep(pause)
            future = asyncio.get_running_loop().create_future()
            self._waiting = (expects(self.bot, step), future)
            queued = time.perf_counter()
            if kind == "send":
                await self.chat.send(payload.format(code=self.code), wait=False)
            else:
                await self.chat.click_data(f"r|{payload}", self._message_id, wait=False)
            message, at = await asyncio.wait_for(future, REPLY_TIMEOUT)
            self.latencies.append(at - queued)
            self.last_reply_at, self._message_id = at, message["message_id"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _peak_rss_kb(pid: int) -> int:
    """VmHWM: the most resident memory the process has had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


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


def _env(**extra: str) -> dict[str, str]:
    drop = {"BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL", "WEBHOOK_URL", "REDIS_URL",
            "DEFAULT_LANGUAGE"}
    return {**{k: v for k, v in os.environ.items() if k not in drop}, "LOG_LEVEL": "INFO",
            **extra}


async def _command(*args: str, env: dict[str, str], cwd: Path) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nearmiss.cli", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out = (await asyncio.wait_for(process.communicate(), START_TIMEOUT))[0].decode()
    if process.returncode != 0:
        raise RuntimeError(f"nearmiss {' '.join(args)} failed:\n{out}")
    return out


async def _prepare(config: Config, env: dict[str, str], tmp: Path) -> str:
    """Migrate and add the team; its code (the echo bot needs neither)."""
    if config.bot == "echo":
        return "ECHO"
    await _command("migrate", env=env, cwd=tmp)
    out = await _command("team", "add", "Bench House", "--place", "Lounge", "--place",
                         "Kitchen", env=env, cwd=tmp)
    return next(line.split()[-1] for line in out.splitlines() if line.strip().startswith("code:"))


async def _launch(config: Config, fake: FakeTelegram, env: dict[str, str],
                  tmp: Path) -> asyncio.subprocess.Process:
    port = _free_port()
    env = {**env, "ADMIN_PORT": str(port), "PORT": str(port)}
    if config.mode == "webhook":
        env["WEBHOOK_URL"] = WEBHOOK_URL
        fake.webhook.proxy = f"http://127.0.0.1:{port}"
    command = ["-m", "bench.echo_bot"] if config.bot == "echo" else [
        "-m", "nearmiss.cli", "run", *(["--webhook"] if config.mode == "webhook" else [])]
    log = (tmp / "bot.log").open("wb")
    process = await asyncio.create_subprocess_exec(sys.executable, *command, env=env,
                                                   cwd=ROOT, stdout=log, stderr=log)
    if config.mode == "webhook":
        await fake.wait_for(lambda: fake.world.webhook, START_TIMEOUT)
    else:
        await fake.wait_until_polling(START_TIMEOUT)
    return process


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _count_reports(url: str) -> int:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(select(func.count()).select_from(Report)))
                       .scalar_one())
    finally:
        await engine.dispose()


async def measure(config: Config) -> Result:
    """One configuration, on a fresh database and a freshly started bot process."""
    with tempfile.TemporaryDirectory(prefix="nearmiss-load-") as name:
        tmp = Path(name)
        async with database(config.db, tmp) as url, FakeTelegram() as fake:
            env = _env(BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url, DATABASE_URL=url,
                       DATA_DIR=str(tmp))
            code = await _prepare(config, env, tmp)
            process = await _launch(config, fake, env, tmp)
            try:
                result = await _drive(config, fake, code, process.pid)
            finally:
                await _stop(process)
            if result.failures:
                print((tmp / "bot.log").read_text()[-3000:], file=sys.stderr)
            if config.bot == "nearmiss":
                result.stored = await _count_reports(url) - 1  # less the warm-up's
            return result


async def _drive(config: Config, fake: FakeTelegram, code: str, pid: int) -> Result:
    workers = {user_id: Worker(fake.private_chat(user_id, f"Worker{user_id}"), config.bot, code)
               for user_id in range(100_001, 100_001 + config.workers)}

    def on_call(call: Call) -> None:
        if call.ok and call.method == "sendMessage":
            worker = workers.get(call.result["chat"]["id"])
            if worker is not None:
                worker.on_sent(call.result, time.perf_counter())

    fake.call_hooks.append(on_call)
    # One report first, untimed: the first update pays for lazy imports and cold caches.
    warm_up = Worker(fake.private_chat(100_000, "Warm-up"), config.bot, code)
    workers[100_000] = warm_up
    await warm_up.run(0.0, 0.0)
    del workers[100_000]
    realistic = config.run == "realistic"
    started = time.perf_counter()
    outcomes = await asyncio.gather(
        *(worker.run(PAUSE if realistic else 0.0, random.uniform(0, PAUSE) if realistic else 0)
          for worker in workers.values()), return_exceptions=True)
    finished = max((w.last_reply_at for w in workers.values()), default=started)
    fake.call_hooks.remove(on_call)
    failures = [f"worker {user_id}: {outcome!r}" for user_id, outcome in zip(workers, outcomes,
                                                                             strict=True)
                if isinstance(outcome, BaseException)]
    latencies = [latency for worker in workers.values() for latency in worker.latencies]
    return Result(config, latencies, finished - started, _peak_rss_kb(pid), None, failures)


HEADER = (f"{'bot':<9}{'db':<11}{'mode':<8}{'run':<11}{'workers':>7}{'updates':>8}"
          f"{'secs':>7}{'upd/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'RSS MB':>8}"
          f"{'stored':>7}")


def row(result: Result) -> str:
    c = result.config
    stored = "-" if result.stored is None else str(result.stored)
    return (f"{c.bot:<9}{c.db if c.bot != 'echo' else '-':<11}{c.mode:<8}{c.run:<11}"
            f"{c.workers:>7}{len(result.latencies):>8}{result.elapsed:>7.1f}{result.rate:>8.0f}"
            f"{result.percentile(50):>8.1f}{result.percentile(95):>8.1f}"
            f"{result.percentile(99):>8.1f}{result.peak_rss_kb / 1024:>8.0f}{stored:>7}")


def verdict(results: list[Result]) -> bool:
    """Print the ratios and goals; True when every goal that was measured is met."""
    ok = all(not r.failures and r.stored in (None, r.config.workers) for r in results)
    echo = next((r for r in results if r.config.bot == "echo"), None)
    for r in results:
        for failure in r.failures[:5]:
            print(f"  FAILED {r.config.run} {r.config.db}: {failure}")
        if r.config.bot != "nearmiss":
            continue
        if r.config.run == "saturation" and echo is not None and echo.rate:
            ratio = r.rate / echo.rate
            ok &= ratio >= GOAL_RATIO
            print(f"{r.config.db} {r.config.mode}: saturated throughput {ratio:.2f}x the echo "
                  f"bot's (goal >= {GOAL_RATIO}x)")
        if r.config.run == "realistic" and r.config.db == "sqlite":
            p99 = r.percentile(99)
            ok &= p99 < GOAL_P99_MS
            print(f"{r.config.db} {r.config.mode}: realistic p99 {p99:.1f} ms "
                  f"(goal < {GOAL_P99_MS:.0f} ms)")
    return ok


async def run(args: argparse.Namespace) -> bool:
    runs = ("saturation", "realistic") if args.run == "both" else (args.run,)
    configs = [Config("nearmiss", args.db, args.mode, r, args.workers) for r in runs]
    if args.echo:
        configs.append(Config("echo", "-", args.mode, "saturation", args.workers))
    print(HEADER)
    results = []
    for config in configs:
        results.append(await measure(config))
        print(row(results[-1]), flush=True)
    return verdict(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=200)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--mode", choices=("polling", "webhook"), default="polling")
    parser.add_argument("--run", choices=("saturation", "realistic", "both"), default="both")
    parser.add_argument("--echo", action="store_true",
                        help="also drive a bare aiogram echo bot; print our ratio to it")
    raise SystemExit(0 if asyncio.run(run(parser.parse_args())) else 1)


if __name__ == "__main__":
    main()
