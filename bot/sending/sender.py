"""OutboxSender: the worker that takes due outbox rows and sends them to Telegram.

One message is in flight at a time, and each is marked sent in its own transaction as soon
as Telegram accepts it: a worker killed at the worst moment re-sends at most that one row
(plus nothing else: the rows it had claimed but not sent are merely recovered).

A private chat's id is its person's Telegram id, so logs name group chats only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sending.limits import FloodGate, Gate
from bot.sending.policy import Outcome, Verdict, backoff, classify
from storage.models import OutboxMessage, utcnow
from storage.repositories import OutboxRepository

log = logging.getLogger(__name__)

ForbiddenHook = Callable[[int], Awaitable[None]]


async def _ignore(chat_id: int) -> None:
    """The default on_forbidden: nothing to deactivate."""


class OutboxSender:
    """Claims due rows in small batches and sends them within Telegram's flood limits."""

    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        worker_id: str,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], datetime] = utcnow,
        batch_size: int = 10,
        on_forbidden: ForbiddenHook = _ignore,
        gate: Gate | None = None,
        retry_base: float = 2.0,
        retry_cap: float = 600.0,
        max_attempts: int = 8,
        poll_interval: float = 1.0,
        stale_after: float = 600.0,
    ) -> None:
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.worker_id = worker_id
        self.sleep = sleep
        self.now = now
        self.batch_size = batch_size
        self.on_forbidden = on_forbidden
        self.gate: Gate = gate or FloodGate(clock=clock)
        self.retry_base, self.retry_cap = retry_base, retry_cap
        self.max_attempts = max_attempts
        self.poll_interval = poll_interval
        # Far longer than a claimed batch takes to send, flood waits included, so only rows
        # of a worker that died are taken back.
        self.stale_after = timedelta(seconds=stale_after)
        self._stop: asyncio.Event | None = None
        self._forbidden: set[int] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; then finish the message in flight and release the rest.

        The gate ends with the run: it is closed (a shared gate lets go of its Redis client).
        """
        self._stop = stop
        try:
            while not stop.is_set():
                if not await self._round():
                    await self._recover()
                    await self._wait(self.poll_interval)
        finally:
            try:
                await self._release()
            finally:
                await self.gate.close()

    async def drain(self) -> None:
        """Send until no pending row is left, waiting out retry delays (for tests and tools)."""
        while True:
            if await self._round():
                continue
            async with self.sessionmaker() as session:
                due = await OutboxRepository(session).next_due()
            if due is None:
                return
            await self.sleep(max(0.0, (due - self.now()).total_seconds()))

    async def _round(self) -> bool:
        """Claim one batch and send it; return whether anything was claimed."""
        self._forbidden.clear()
        async with self.sessionmaker.begin() as session:
            rows = await OutboxRepository(session).claim(
                worker=self.worker_id, now=self.now(), limit=self.batch_size)
        for row in rows:
            if self._stopping():
                break  # run() releases what is left
            await self._deliver(row)
        return bool(rows)

    async def _deliver(self, row: OutboxMessage) -> None:
        """Send one row, waiting for the flood gate and for Telegram's retry_after."""
        if row.chat_id in self._forbidden:
            return  # failed with the chat's other rows when its 403 came, earlier this round
        while True:
            while (wait := await self.gate.acquire(row.chat_id, row.is_group)) > 0:
                await self._wait(wait)
                if self._stopping():
                    return
            try:
                message = await self.bot.send_message(row.chat_id, row.text)
            except Exception as error:  # classify() re-raises what it cannot place
                await self.gate.finished(row.chat_id, row.is_group)
                outcome = classify(error)
                if outcome.verdict is Verdict.WAIT:
                    log.warning("Telegram flood wait %.0fs (%s)", outcome.retry_after,
                                _where(row))
                    await self.gate.retry_after(outcome.retry_after)
                    continue
                await self._settle(row, outcome)
                return
            await self.gate.finished(row.chat_id, row.is_group)
            await self._record_sent(row, message.message_id)
            return

    async def _record_sent(self, row: OutboxMessage, message_id: int) -> None:
        """Mark the row sent in its own transaction: the duplicate window is this one row."""
        async with self.sessionmaker.begin() as session:
            await OutboxRepository(session).mark_sent(row, message_id=message_id, now=self.now())

    async def _settle(self, row: OutboxMessage, outcome: Outcome) -> None:
        """Record a failed attempt: retry later, give the row up, or give the chat up.

        A 403 from a private chat (a contact who never started the bot, a worker who blocked
        it) fails that person's unsent rows with Telegram's reason, for the admin to see; only
        a group's 403 goes to on_forbidden, which unlinks the group.
        """
        async with self.sessionmaker.begin() as session:
            repo = OutboxRepository(session)
            if outcome.verdict is Verdict.FORBIDDEN:
                await repo.mark_failed(row, error=outcome.error)
                await repo.fail_chat(chat_id=row.chat_id, error=outcome.error)
            elif outcome.verdict is Verdict.FAILED or row.attempts + 1 >= self.max_attempts:
                await repo.mark_failed(row, error=outcome.error)
            else:
                delay = backoff(row.attempts + 1, base=self.retry_base, cap=self.retry_cap)
                await repo.mark_retry(row, at=self.now() + timedelta(seconds=delay),
                                      error=outcome.error)
        log.warning("outbox row %s (%s, %s): %s (%s)", row.id, row.kind, _where(row),
                    outcome.verdict.value, outcome.error)
        if outcome.verdict is Verdict.FORBIDDEN:
            self._forbidden.add(row.chat_id)
            if row.is_group:
                await self.on_forbidden(row.chat_id)

    async def _recover(self) -> None:
        """Take back rows a dead worker left in sending (each may be sent a second time)."""
        async with self.sessionmaker.begin() as session:
            recovered = await OutboxRepository(session).recover_stale(
                older_than=self.now() - self.stale_after)
        if recovered:
            log.warning("recovered %d outbox rows from a dead worker", recovered)

    async def _release(self) -> None:
        """Hand back the rows claimed but not sent, so another worker takes them at once."""
        async with self.sessionmaker.begin() as session:
            released = await OutboxRepository(session).release(worker=self.worker_id)
        if released:
            log.info("worker %s released %d outbox rows", self.worker_id, released)

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    async def _wait(self, seconds: float) -> None:
        """Sleep, but wake early when run()'s stop event is set."""
        if self._stop is None:
            await self.sleep(seconds)
            return
        sleeper = asyncio.ensure_future(self.sleep(seconds))
        stopper = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait((sleeper, stopper), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            stopper.cancel()


def _where(row: OutboxMessage) -> str:
    """The chat of a row as logs may name it: a group's id, never a person's."""
    return f"group {row.chat_id}" if row.is_group else "a private chat"
