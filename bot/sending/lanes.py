"""Lanes: the claimed outbox rows of one sender, one queue and one task per chat.

Telegram shows a chat's messages in the order they arrive, and two sends to one chat at once
may arrive either way round; so each chat's rows go through a lane of their own, one after
another in id order, while the lanes of different chats run side by side. How many are on
their way to Telegram at once is the sender's business (its in-flight places), not the lanes'.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

from storage.models import OutboxMessage

# Sends one row; False when the chat refused the bot and its other rows were failed with it.
Deliver = Callable[[OutboxMessage], Awaitable[bool]]


class Lanes:
    """Rows claimed and not yet settled, by chat, each chat's lane run by its own task."""

    def __init__(self, deliver: Deliver, *, stopping: Callable[[], bool],
                 on_failure: Callable[[], object]) -> None:
        self._deliver = deliver
        self._stopping = stopping
        self._on_failure = on_failure
        self._queues: dict[int, deque[OutboxMessage]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()
        self._abandoned = False
        self.held = 0  # rows claimed and not yet settled (in flight included)
        self.failure: BaseException | None = None

    def add(self, rows: Iterable[OutboxMessage]) -> None:
        """Queue freshly claimed rows behind their chats' earlier ones."""
        for row in sorted(rows, key=lambda row: row.id):
            queue = self._queues.get(row.chat_id)
            if queue is None:
                queue = self._queues[row.chat_id] = deque()
                task = asyncio.create_task(self._run(row.chat_id, queue))
                self._tasks.add(task)
                task.add_done_callback(self._done)
            queue.append(row)
            self.held += 1

    async def progress(self, *events: asyncio.Event | None) -> None:
        """Wait until a row is settled or a lane ends, or until one of `events` is set."""
        waiters = [asyncio.ensure_future(self._changed.wait())]
        waiters += [asyncio.ensure_future(event.wait()) for event in events if event]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        self._changed.clear()

    async def finish(self) -> None:
        """Wait for every lane to end: stopping, each finishes the send it has in flight."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def abandon(self) -> None:
        """Cancel every lane at once (the sender itself was cancelled or killed). A lane whose
        cancellation is lost (Python 3.11's asyncio.wait_for drops one that arrives as what it
        waits for completes: storage/redis_state.py) stops after the send in hand all the same,
        its other rows left claimed, as a cancelled lane's are."""
        self._abandoned = True
        for task in self._tasks:
            task.cancel()
        await self.finish()

    async def _run(self, chat_id: int, queue: deque[OutboxMessage]) -> None:
        try:
            while queue and not self._abandoned and not self._stopping():
                delivered = await self._deliver(queue[0])
                queue.popleft()
                self.held -= 1
                if not delivered:  # failed with the refused one, in the same transaction
                    self.held -= len(queue)
                    queue.clear()
                self._changed.set()
        except asyncio.CancelledError:
            raise
        except BaseException as error:
            # At once, before the in-flight place this lane let go of starts another send.
            self.failure = self.failure or error
            self._on_failure()
            raise
        finally:
            # No await between the last look at the queue and this: add() either found the
            # lane still running or starts a new one.
            if self._queues.get(chat_id) is queue:
                del self._queues[chat_id]

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            self.failure = self.failure or error
        self._changed.set()
