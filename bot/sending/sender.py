"""OutboxSender: the worker that takes due outbox rows and sends them to Telegram.

Each sendMessage waits for Telegram's answer across the network, so one message at a time would
hold a worker far under Telegram's 30 a second. The sender keeps up to `concurrency` messages
in flight, each to a different chat: a chat's rows go one after another, in id order, in the
chat's own lane (lanes.py), while the flood gate keeps all of them within Telegram's limits.

No database transaction is open while a message is on its way (on SQLite the process has one
connection): rows are claimed in one short transaction, sent outside any, and each is marked
sent in its own short transaction as soon as Telegram accepts it. A worker killed at the
worst moment re-sends at most the rows it had in flight (the rows it had claimed but not
started are merely recovered); a stopped one finishes those in flight and releases the rest.

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

from bot.sending.flood_waits import caller_waits_out_floods
from bot.sending.lanes import Lanes
from bot.sending.limits import FloodGate, Gate
from bot.sending.policy import OUTAGE_GIVE_UP, OUTAGE_RETRY_CAP, Outcome, Verdict, backoff, classify
from storage.models import OutboxMessage, utcnow
from storage.repositories import OutboxRepository
from storage.sqlite_loop import on_loop

log = logging.getLogger(__name__)

ForbiddenHook = Callable[[int], Awaitable[None]]
# A wait longer than this is a chat's own window (a group's 20 a minute): the lane lets go of
# its in-flight place and of the gate's queue meanwhile, so other chats go ahead.
SHORT_WAIT = 1.0


async def _ignore(chat_id: int) -> None:
    """The default on_forbidden: nothing to deactivate."""


class OutboxSender:
    """Claims due rows and sends them, several chats at once, within Telegram's flood limits."""

    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        worker_id: str,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], datetime] = utcnow,
        concurrency: int = 8,
        batch_size: int | None = None,
        on_forbidden: ForbiddenHook = _ignore,
        gate: Gate | None = None,
        retry_base: float = 2.0,
        retry_cap: float = 600.0,
        max_attempts: int = 8,
        poll_interval: float = 1.0,
        stale_after: float = 600.0,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.worker_id = worker_id
        self.clock = clock
        self.sleep = sleep
        self.now = now
        self.concurrency = concurrency
        # Rows held claimed at most: enough to keep every in-flight place busy while the
        # next claim is made, few enough that a kill strands little for recover_stale.
        self.batch_size = batch_size or 2 * concurrency
        self.on_forbidden = on_forbidden
        self.gate: Gate = gate or FloodGate(clock=clock)
        self.retry_base, self.retry_cap = retry_base, retry_cap
        self.max_attempts = max_attempts
        self.poll_interval = poll_interval
        # Far longer than a claimed row waits to be sent, flood waits included, so only rows
        # of a worker that died are taken back.
        self.stale_after = timedelta(seconds=stale_after)
        self._stop: asyncio.Event | None = None
        self._slots = asyncio.Semaphore(concurrency)  # messages on their way to Telegram
        self._turnstile = asyncio.Lock()  # one lane at a time asks the gate and waits on it
        self._halt = asyncio.Event()  # a lane failed: the others stop after their sends

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; then finish the messages in flight and release the rest.

        The gate ends with the run: it is closed (a shared gate lets go of its Redis client).
        Its transactions are one short statement each, so on SQLite they run on the loop's
        thread (storage/sqlite_loop.py): through aiosqlite's thread each would hold the one
        connection across several turns of a busy loop, while bot updates waited for it.
        """
        self._stop = stop
        with on_loop():
            await self._run(stop)

    async def _run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                await self._pump()
                if not stop.is_set():
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
            await self._pump()
            async with self.sessionmaker() as session:
                due = await OutboxRepository(session).next_due()
            if due is None:
                return
            await self.sleep(max(0.0, (due - self.now()).total_seconds()))

    async def _pump(self) -> None:
        """_pump_rows, with Telegram's flood waits left to this sender: its gate pauses every
        lane (bot/sending/flood_waits.py leaves the calls made here alone)."""
        with caller_waits_out_floods():
            await self._pump_rows()

    async def _pump_rows(self) -> None:
        """Claim and send until nothing is claimable and nothing is held, or until stopped.

        Rows are claimed again while at most half a batch is held, so the in-flight places
        never run dry; after a claim that found nothing, not before poll_interval has passed
        (or everything held is settled: a sent part may have made the next one claimable).
        If a lane fails (the database went away), the others finish what they have in flight
        and the error goes up, as it did with one message at a time.
        """
        self._halt.clear()
        lanes = Lanes(self._deliver, stopping=self._stopping, on_failure=self._halt.set)
        dry_since: float | None = None  # when a claim last found nothing
        try:
            while lanes.failure is None and not self._stopping():
                if lanes.held == 0 or (lanes.held <= self.batch_size // 2 and (
                        dry_since is None or self.clock() - dry_since >= self.poll_interval)):
                    rows = await self._claim(self.batch_size - lanes.held)
                    dry_since = None if rows else self.clock()
                    lanes.add(rows)
                if lanes.held == 0:
                    return
                await lanes.progress(self._stop)
        except BaseException:
            await lanes.abandon()
            raise
        failure = lanes.failure
        if failure is not None and not isinstance(failure, Exception):
            await lanes.abandon()  # a kill (or its stand-in in tests): nothing more runs
            raise failure
        await lanes.finish()  # the others have stopped starting sends (halted): they end
        if failure is not None:
            raise failure

    async def _claim(self, limit: int) -> list[OutboxMessage]:
        """Claim up to `limit` due rows in one short transaction."""
        async with self.sessionmaker.begin() as session:
            return await OutboxRepository(session).claim(
                worker=self.worker_id, now=self.now(), limit=limit)

    async def _deliver(self, row: OutboxMessage) -> bool:
        """Send one row, waiting for the flood gate and for Telegram's retry_after.

        Returns False when the chat refused the bot (403): its other unsent rows were failed
        with this one, so its lane drops them.
        """
        while await self._go_ahead(row):
            try:
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
                    return outcome.verdict is not Verdict.FORBIDDEN
                await self.gate.finished(row.chat_id, row.is_group)
                await self._record_sent(row, message.message_id)
                return True
            finally:
                self._slots.release()
        return True  # stopping: run() releases the row

    async def _go_ahead(self, row: OutboxMessage) -> bool:
        """Take an in-flight place and the gate's go for `row`; False if stopping first.

        Lanes queue for the gate one at a time (the turnstile), so a full window is waited
        out by one of them, not polled by all; a longer wait (the chat's own window) is
        slept off holding neither.
        """
        while True:
            await self._slots.acquire()
            wait = float("inf")  # stopping: nothing is asked of the gate
            if not self._stopping():
                async with self._turnstile:
                    wait = await self.gate.acquire(row.chat_id, row.is_group)
                    while 0 < wait <= SHORT_WAIT and not self._stopping():
                        await self._wait(wait)
                        wait = await self.gate.acquire(row.chat_id, row.is_group)
            if wait <= 0:
                return True
            self._slots.release()
            if self._stopping():
                return False
            await self._wait(wait)

    async def _record_sent(self, row: OutboxMessage, message_id: int) -> None:
        """Mark the row sent in its own transaction: its duplicate window closes now."""
        async with self.sessionmaker.begin() as session:
            await OutboxRepository(session).mark_sent(row, message_id=message_id, now=self.now())

    def _gives_up(self, row: OutboxMessage, outcome: Outcome) -> bool:
        """Whether a failed attempt is the row's last: a wrong request at once, an outage
        after a day, anything else after max_attempts."""
        if outcome.verdict is Verdict.OUTAGE:
            return self.now() - row.created_at >= OUTAGE_GIVE_UP
        return outcome.verdict is Verdict.FAILED or row.attempts + 1 >= self.max_attempts

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
            elif self._gives_up(row, outcome):
                await repo.mark_failed(row, error=outcome.error)
            else:
                delay = backoff(row.attempts + 1, base=self.retry_base, cap=self.retry_cap)
                if outcome.verdict is Verdict.OUTAGE:
                    delay = min(delay, OUTAGE_RETRY_CAP)
                await repo.mark_retry(row, at=self.now() + timedelta(seconds=delay),
                                      error=outcome.error)
        log.warning("outbox row %s (%s, %s): %s (%s)", row.id, row.kind, _where(row),
                    outcome.verdict.value, outcome.error)
        if outcome.verdict is Verdict.FORBIDDEN and row.is_group:
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
        return self._halt.is_set() or (self._stop is not None and self._stop.is_set())

    async def _wait(self, seconds: float) -> None:
        """Sleep, but wake early when run()'s stop event is set or a lane has failed."""
        sleeper = asyncio.ensure_future(self.sleep(seconds))
        waiters = [sleeper, asyncio.ensure_future(self._halt.wait())]
        if self._stop is not None:
            waiters.append(asyncio.ensure_future(self._stop.wait()))
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()


def _where(row: OutboxMessage) -> str:
    """The chat of a row as logs may name it: a group's id, never a person's."""
    return f"group {row.chat_id}" if row.is_group else "a private chat"
