"""The update queue behind getUpdates, and a change signal to wait on without sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


class Signal:
    """Wakes every waiter whenever something changed; waiters re-check their condition.

    A fresh Event per generation means nobody can miss a notification that happened
    between checking the predicate and starting to wait.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], Any], timeout: float) -> Any:
        """The predicate's first truthy value, or None when the timeout ends first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (value := predicate()):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            event = self._event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return predicate() or None
        return value


# What Telegram sends when no allowed_updates was ever given (or an empty list was).
NOT_BY_DEFAULT = ("chat_member", "message_reaction", "message_reaction_count")


def wanted(update: dict[str, Any], allowed: list[str] | None) -> bool:
    """Whether Telegram sends `update` to a bot that asked for `allowed` update types."""
    kind = next(key for key in update if key != "update_id")
    return kind in allowed if allowed else kind not in NOT_BY_DEFAULT


class UpdateQueue:
    """Telegram's per-bot queue: updates stay until a getUpdates offset confirms them."""

    def __init__(self, signal: Signal) -> None:
        self.signal = signal
        self.pending: list[dict[str, Any]] = []
        self.queued: dict[int, dict[str, Any]] = {}  # every update ever queued, by id
        self.next_id = 1
        # Highest offset any getUpdates has sent: everything below it has been handled.
        self.confirmed_offset = 0
        self.polls = 0  # getUpdates requests seen (for messages on timeout)
        self.poll_generation = 0  # a newer getUpdates terminates an older waiting one
        # The update types the bot asked for: the allowed_updates of its last getUpdates or
        # setWebhook that gave one (Telegram keeps it until changed); None: the default.
        self.allowed: list[str] | None = None
        # Updates Telegram never sent, being of a type the bot did not ask for when they
        # happened (a change of allowed_updates does not reach updates already queued).
        self.dropped: set[int] = set()

    def enqueue(self, payload: dict[str, Any]) -> int:
        update_id = self.next_id
        self.next_id += 1
        self.queued[update_id] = {"update_id": update_id, **payload}
        if wanted(payload, self.allowed):
            self.pending.append(self.queued[update_id])
        else:
            self.dropped.add(update_id)
        self.signal.notify()
        return update_id

    def ask_for(self, params: dict[str, Any]) -> None:
        """getUpdates or setWebhook: keep its allowed_updates, if it gave one."""
        if "allowed_updates" in params:
            self.allowed = list(params["allowed_updates"] or []) or None

    def handled(self, update_id: int) -> bool:
        """Whether the bot is done with the update: confirmed, or never sent to it."""
        return self.confirmed_offset > update_id or update_id in self.dropped

    def again(self, update_id: int) -> None:
        """Queue a handled update once more, with its own id: what Telegram does when the bot
        died before an offset confirmed it. Only a getUpdates without an offset (a restarted
        bot's first) returns it, as only then would Telegram."""
        self.pending.insert(0, self.queued[update_id])
        self.signal.notify()

    def confirm(self, offset: int | None) -> None:
        """Apply getUpdates' offset: drop confirmed updates, remember progress."""
        self.polls += 1
        if offset is not None and offset < 0:
            # Negative offset: keep only the last -offset updates, forget the rest.
            self.pending = self.pending[offset:]
        elif offset is not None:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
            self.confirmed_offset = max(self.confirmed_offset, offset)
        self.signal.notify()  # wait_handled / wait_until_polling re-check now

    def delivered(self, update_id: int) -> None:
        """A webhook answered 2xx for this update (or Telegram dropped it as not wanted)."""
        self.pending = [u for u in self.pending if u["update_id"] != update_id]
        self.confirmed_offset = max(self.confirmed_offset, update_id + 1)
        self.signal.notify()

    def batch(self, limit: int) -> list[dict[str, Any]]:
        return self.pending[: max(1, min(limit, 100))]

    def drop_all(self) -> None:
        self.pending.clear()
