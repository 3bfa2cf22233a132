"""Telegram's broadcast limits kept on our side, so the bot is never answered 429.

Telegram allows about 30 messages a second in all, 20 a minute to one group and one a
second to one private chat. Each window holds the times sends *finished*: a send that
started after the window has room then reaches Telegram more than a window after the one it
replaces, whatever the network latency, so Telegram's own count never sees too many.

The sender speaks to any Gate: this in-process FloodGate, or with REDIS_URL the RedisFloodGate
(bot/sending/shared_limits.py) that every worker process shares.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Protocol

_PRUNE_AT = 10_000  # per-chat windows kept before the idle ones are dropped


class Gate(Protocol):
    """What the sender needs of a flood gate, wherever its windows live."""

    async def acquire(self, chat_id: int, is_group: bool) -> float:
        """0: send now (the slot is held until finished()); else the seconds to wait first."""

    async def finished(self, chat_id: int, is_group: bool) -> None:
        """The send has finished (accepted or not: Telegram counted it)."""

    async def retry_after(self, seconds: float) -> None:
        """Telegram said retry_after: nothing goes out until then."""

    async def close(self) -> None:
        """Let go of what the gate holds (its Redis client); the sender calls it at the end."""


class Window:
    """At most `limit` events in any `seconds`-long sliding window."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.events: deque[float] = deque()

    def wait_needed(self, now: float) -> float:
        """Return how long until one more event fits (0 if it fits now)."""
        while self.events and self.events[0] <= now - self.seconds:
            self.events.popleft()
        if len(self.events) < self.limit:
            return 0.0
        return self.events[0] + self.seconds - now

    def idle(self, now: float) -> bool:
        return not self.events or self.events[-1] <= now - self.seconds


class FloodGate:
    """The global, per-group and per-private-chat windows of one sending worker."""

    def __init__(self, *, clock: Callable[[], float], per_second: int = 30,
                 per_group_per_minute: int = 20, per_private_per_second: int = 1) -> None:
        self.clock = clock
        self.total = Window(per_second, 1.0)
        self.per_group = per_group_per_minute
        self.per_private = per_private_per_second
        self.chats: dict[int, Window] = {}
        self.paused_until = 0.0

    def wait_needed(self, chat_id: int, is_group: bool) -> float:
        """Return the seconds to wait before sending to this chat."""
        now = self.clock()
        waits = (self.total.wait_needed(now), self._chat(chat_id, is_group).wait_needed(now))
        return max(self.paused_until - now, *waits)

    def record(self, chat_id: int, is_group: bool) -> None:
        """Count a send that has just finished (accepted or not: Telegram counted it)."""
        now = self.clock()
        self.total.events.append(now)
        self._chat(chat_id, is_group).events.append(now)
        if len(self.chats) > _PRUNE_AT:
            self.chats = {c: w for c, w in self.chats.items() if not w.idle(now)}

    def pause(self, seconds: float) -> None:
        """Telegram said retry_after: nothing goes out from this worker until then."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    # The Gate face. One worker sends one message at a time, so nothing needs reserving.

    async def acquire(self, chat_id: int, is_group: bool) -> float:
        return self.wait_needed(chat_id, is_group)

    async def finished(self, chat_id: int, is_group: bool) -> None:
        self.record(chat_id, is_group)

    async def retry_after(self, seconds: float) -> None:
        self.pause(seconds)

    async def close(self) -> None:
        """Nothing to let go of."""

    def _chat(self, chat_id: int, is_group: bool) -> Window:
        window = self.chats.get(chat_id)
        if window is None:
            limit, seconds = (self.per_group, 60.0) if is_group else (self.per_private, 1.0)
            window = self.chats[chat_id] = Window(limit, seconds)
        return window
