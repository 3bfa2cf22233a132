"""Kill -9 mid-report: N workers (default 50) file reports through the fake Bot API against a
real `nearmiss run`; the process is SIGKILLed while they are mid-report and started again.

Each worker behaves as a person would: they answer whichever question the bot shows, and when
no answer comes for a while they send their last answer again (the same text, or a tap on the
same button). Every worker must finish, and every stored report must hold exactly that
worker's answers: none lost, none moved to another question, none stored twice.

Run: .venv/bin/python -m bench.kill_drill [--workers 50] [--db sqlite|postgresql]
     [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bench import harness
from storage.models import Report
from tests.helpers.fake_telegram import Call, ChatClient, FakeTelegram

PATIENCE = 8.0  # seconds without an answer before a person sends theirs again
FINISH_TIMEOUT = 180.0
INTERRUPTED = "I was interrupted before I could ask you this"
ALREADY_SENT = "has already been sent or discarded"
# step -> how this drill's workers answer it: ("tap", code) or ("send", text for worker n)
ANSWERS: dict[str, tuple[str, str]] = {
    "harm": ("tap", "c0"), "date": ("tap", "c1"), "time": ("tap", "c2"),
    "place": ("tap", "c1"), "category": ("tap", "c0"),
    "what": ("send", "Worker {n}: the hoist sling was twisted, spotted before the lift"),
    "prevented": ("send", "Worker {n}: a second carer checked the sling and refitted it"),
    "action": ("tap", "skip"), "told": ("tap", "c0"), "suggestions": ("tap", "skip"),
    "confidentiality": ("tap", "c0"), "review": ("tap", "submit"),
}


def step_of(message: dict[str, Any]) -> str | None:
    """The question a message asks, from its buttons' data ("r|step|code")."""
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            parts = str(button.get("callback_data", "")).split("|")
            if len(parts) == 3 and parts[0] == "r":
                return parts[1]
    return None


class DrillWorker:
    """One person's chat: answers what is asked, repeats themselves when nothing comes."""

    def __init__(self, chat: ChatClient, n: int, code: str) -> None:
        self.chat, self.n, self.code = chat, n, code
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.answered = 0
        self.resent = self.interrupted = self.already_sent = 0
        self.finished_at = 0.0
        self._last: tuple[str, str, int] = ("send", f"/start {code}", 0)
        self._last_step = ""

    async def run(self, pauses: tuple[float, float]) -> None:
        await self._act(*self._last)
        while True:
            try:
                message = await asyncio.wait_for(self.inbox.get(), PATIENCE)
            except TimeoutError:
                self.resent += 1
                await self._act(*self._last)
                continue
            text = message.get("text") or ""
            if "NM-" in text or ALREADY_SENT in text:
                self.already_sent += ALREADY_SENT in text
                self.finished_at = time.perf_counter()
                return
            step = step_of(message)
            if step is None or step == self._last_step:
                continue  # a notice ("try again in a minute"), or a duplicate of a question
            self.interrupted += INTERRUPTED in text
            kind, value = ANSWERS[step]
            await asyncio.sleep(random.uniform(*pauses))
            self._last_step = step
            self._last = (kind, f"r|{step}|{value}" if kind == "tap" else value.format(n=self.n),
                          message["message_id"])
            self.answered += 1
            await self._act(*self._last)

    async def _act(self, kind: str, payload: str, message_id: int) -> None:
        if kind == "tap":
            await self.chat.click_data(payload, message_id, wait=False)
        else:
            await self.chat.send(payload, wait=False)


@dataclass
class DrillResult:
    workers: int
    answered_at_kill: int
    restart_seconds: float  # from the kill until the new process polled again
    finish_seconds: float  # from the kill until the last worker had their reference
    resent: int
    interrupted: int
    already_sent: int
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"kill -9 drill: {self.workers} workers, killed after {self.answered_at_kill} "
                f"answers; polling again {self.restart_seconds:.1f} s after the kill; all "
                f"finished {self.finish_seconds:.1f} s after it; {self.resent} answers sent "
                f"again, {self.interrupted} lost questions asked again, {self.already_sent} "
                f"told 'already sent'; {len(self.problems)} problems")


async def drill(fake: FakeTelegram, url: str, tmp: Path, *, workers: int = 50,
                redis_url: str | None = None, redis_prefix: str = "nearmiss",
                pauses: tuple[float, float] = (0.05, 0.4)) -> DrillResult:
    """Run the drill on a migrated or empty database at `url`; check what was stored."""
    extra = {"REDIS_URL": redis_url, "REDIS_PREFIX": redis_prefix} if redis_url else {}
    env = harness.env(BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url, DATABASE_URL=url,
                      DATA_DIR=str(tmp), **extra)
    code = await harness.prepare(env, tmp)
    people = {n: DrillWorker(fake.private_chat(200_000 + n, f"Worker {n}"), n, code)
              for n in range(workers)}

    def on_call(call: Call) -> None:
        if call.ok and call.method in harness.REPLIES:
            person = people.get(call.result["chat"]["id"] - 200_000)
            if person is not None:
                person.inbox.put_nowait(call.result)

    fake.call_hooks.append(on_call)
    process = await harness.launch("nearmiss", "polling", fake, env, tmp)
    tasks = [asyncio.create_task(person.run(pauses)) for person in people.values()]
    try:
        expected = workers * len(ANSWERS)
        await fake.wait_for(lambda: sum(p.answered for p in people.values()) >= expected * 0.4,
                            timeout=FINISH_TIMEOUT)
        answered_at_kill = sum(p.answered for p in people.values())
        process.send_signal(signal.SIGKILL)
        await process.wait()
        killed = time.perf_counter()
        polls = len(fake.calls_to("getUpdates"))
        process = await harness.launch("nearmiss", "polling", fake, env, tmp)
        await fake.wait_for(lambda: len(fake.calls_to("getUpdates")) > polls, FINISH_TIMEOUT)
        restarted = time.perf_counter() - killed
        await asyncio.wait_for(asyncio.gather(*tasks), FINISH_TIMEOUT)
    finally:
        for task in tasks:
            task.cancel()
        fake.call_hooks.remove(on_call)
        await harness.stop(process)
    result = DrillResult(
        workers, answered_at_kill, restarted,
        max(p.finished_at for p in people.values()) - killed,
        sum(p.resent for p in people.values()), sum(p.interrupted for p in people.values()),
        sum(p.already_sent for p in people.values()))
    result.problems = await check_reports(url, workers)
    return result


async def check_reports(url: str, workers: int) -> list[str]:
    """Each worker's report stored once, with exactly their answers in the right fields."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(select(
                Report.what_happened, Report.how_prevented, Report.place, Report.category,
                Report.immediate_action, Report.suggestions))).all()
    finally:
        await engine.dispose()
    problems = []
    for n in range(workers):
        what, prevented = (ANSWERS[s][1].format(n=n) for s in ("what", "prevented"))
        mine = [row for row in rows if row.what_happened == what]
        if len(mine) != 1:
            problems.append(f"worker {n}: {len(mine)} reports")
        elif mine[0].how_prevented != prevented or mine[0].place != "Kitchen" or any(
                (mine[0].immediate_action, mine[0].suggestions)):
            problems.append(f"worker {n}: answers misplaced: {tuple(mine[0])}")
    if len(rows) != workers:
        problems.append(f"{len(rows)} reports stored for {workers} workers")
    return problems


async def main(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="nearmiss-drill-") as name:
        tmp = Path(name)
        prefix = f"nearmiss-drill-{int(time.time())}"
        async with (harness.database(args.db, tmp) as url, FakeTelegram() as fake,
                    harness.redis_keys(args.redis, prefix)):
            result = await drill(fake, url, tmp, workers=args.workers, redis_url=args.redis,
                                 redis_prefix=prefix)
    print(f"{args.db}{' + Redis' if args.redis else ''}: {result.summary()}")
    for problem in result.problems[:20]:
        print("  PROBLEM", problem)
    return not result.problems


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--redis", default=None, help="REDIS_URL for the bot (state in Redis)")
    sys.exit(0 if asyncio.run(main(parser.parse_args())) else 1)
