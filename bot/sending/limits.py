"""Telegram's broadcast limits kept on our side, so the bot is never answered 429.

Telegram allows about 30 messages a second in all, 20 a minute to one group and one a
second to one private chat. Each window holds the times sends *finished*: a send that
started after the window has room then reaches Telegram more than a window after the one it
replaces, whatever the network latency, so Telegram's own count never sees too many.

A sender keeps several messages in flight, so a send that has been let through but not yet
finished holds a place in its windows (as the RedisFloodGate's slot does): otherwise eight
sends started together would all see the same free room.

The sender speaks to any Gate: this in-process FloodGate, or with REDIS_URL the RedisFloodGate
(bot/sending/shared_limits.py) that every worker process shares.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Protocol

_PRUNE_AT = 10_000  # per-chat windows kept before the idle ones are dropped
_PAST_THE_EDGE = 1e-6  # seconds


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
    """At most `limit` events in any `seconds`-long sliding window, sends in flight included."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.events: deque[float] = deque()
        self.in_flight = 0  # let through, not finished: each will be an event when it is

    def wait_needed(self, now: float) -> float:
        """Return how long until one more event fits (0 if it fits now)."""
        while self.events and self.events[0] <= now - self.seconds:
            self.events.popleft()
        excess = len(self.events) + self.in_flight - self.limit
        if excess < 0:
            return 0.0
        if excess < len(self.events):  # room once the oldest `excess + 1` events leave
            # A hair past the edge: waiting exactly `event + seconds - now` can land a rounding
            # error short of it, and a clock read then still finds the event in the window.
            return self.events[excess] + self.seconds - now + _PAST_THE_EDGE
        # Sends in flight alone fill the window: ask again when one may have finished.
        return self.seconds / self.limit

    def idle(self, now: float) -> bool:
        return self.in_flight == 0 and (not self.events or self.events[-1] <= now - self.seconds)


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

    # The Gate face: a send let through holds its place until it has finished.

    async def acquire(self, chat_id: int, is_group: bool) -> float:
        wait = self.wait_needed(chat_id, is_group)
        if wait <= 0:
            self.total.in_flight += 1
            self._chat(chat_id, is_group).in_flight += 1
        return wait

    async def finished(self, chat_id: int, is_group: bool) -> None:
        for window in (self.total, self._chat(chat_id, is_group)):
            window.in_flight = max(0, window.in_flight - 1)
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
