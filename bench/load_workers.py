"""The load test's simulated support workers: the script of one report's answers, each
worker's chat timing the replies, and what a run is and measured."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.helpers.fake_telegram import ChatClient

PAUSE = 2.0  # a person tapping on a phone, between answers (realistic run), on average
# People do not answer like clockwork. With every pause exactly PAUSE, workers whose replies
# came in one batch answered again at one instant, so clumps formed, merged and never split, and
# such clumps made most of a run's slowest replies.
PAUSE_SPREAD = 0.25  # each pause drawn from PAUSE * (1 +- PAUSE_SPREAD)
REPLY_TIMEOUT = 60.0
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
    spread: float = PAUSE_SPREAD  # of the realistic run's pauses (0: exactly PAUSE)
    processes: int = 1  # worker processes of ours (webhook mode on PostgreSQL and Redis)
    redis_url: str | None = None

    @property
    def label(self) -> str:
        return self.bot if self.processes == 1 else f"{self.bot}x{self.processes}"


@dataclass
class Result:
    config: Config
    latencies: list[float]
    elapsed: float
    peak_rss_kb: int
    stored: int | None  # reports in the database afterwards (None for the echo bot)
    failures: list[str] = field(default_factory=list)
    by_step: list[list[float]] = field(default_factory=list)  # SCRIPT's steps' latencies
    cpu_seconds: float = 0.0  # the bot process's, over the timed run
    cpu_by_step: list[float] = field(default_factory=list)  # the lockstep run's, each step's

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.cpu_seconds / len(self.latencies) if self.latencies else 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float, latencies: list[float] | None = None) -> float:
        ordered = sorted(self.latencies if latencies is None else latencies)
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

    async def run(self, pause: float, start_delay: float, spread: float = 0.0) -> None:
        await asyncio.sleep(start_delay)
        for index in range(len(SCRIPT)):
            if index and pause:
                await asyncio.sleep(random.uniform(pause * (1 - spread), pause * (1 + spread)))
            await self.step(index)

    async def step(self, index: int) -> None:
        """Send the script's answer `index` and wait for the reply it brings."""
        kind, payload, step = SCRIPT[index]
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
