"""The bot inside the web app's process: long polling in its lifespan, or a webhook route on the
same app, with the outbox sender and the digest scheduler; reports how it is doing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiogram.exceptions import TelegramUnauthorizedError
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.dispatcher import UPDATE_TYPES, create_bot, create_dispatcher
from bot.patterns import pattern_watch
from bot.scheduler import DigestScheduler, translations
from bot.sending import OutboxSender
from bot.sending.shared_limits import flood_gate
from bot.startup import until_reached
from bot.webhook import WebhookReceiver, random_secret, webhook_path
from core.log_redaction import redact
from core.settings import Settings, locales_dir
from storage.models import utcnow
from storage.repositories import GroupRepository, OutboxRepository

log = logging.getLogger(__name__)


class BotInApp:
    """Runs the bot beside the web app (long polling, or a webhook route when WEBHOOK_URL is
    set), with the outbox sender and the digest scheduler, and reports how it is doing."""

    def __init__(self, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                 *, enabled: bool, webhook_secret: str | None = None) -> None:
        self.settings, self.sessionmaker, self.enabled = settings, sessionmaker, enabled
        self.task: asyncio.Task[None] | None = None
        # Why a configured bot is not running (None while it is); with no token, why not.
        self.problem: str | None = "starting" if enabled else "not configured (no BOT_TOKEN)"
        self.polling = False  # Telegram answered and the long polling began
        # None: a random secret per start; several workers pass the one they all derive.
        self.webhook_secret = webhook_secret
        self.receiver: Any = None  # bot.webhook.WebhookReceiver while webhook mode is serving

    @property
    def by_webhook(self) -> bool:
        return self.enabled and self.settings.webhook_url is not None

    def status(self) -> dict[str, Any]:
        """For /healthz: a configured bot that is not running makes it answer 503 with why
        (admin/app.py), so a supervisor or load balancer sees it; no bot configured is not a
        fault of this process."""
        if not self.enabled:
            return {"bot": self.problem}
        polling = self.polling and self.task is not None and not self.task.done()
        if self.receiver is not None or polling:
            return {"bot": "running"}
        return {"ok": False, "bot": "not running", "reason": redact(self.problem or "stopped")}

    def _not_running(self, reason: str) -> None:
        self.problem = reason

    def install(self, app: FastAPI) -> None:
        """Add the webhook route (webhook mode only) to the app that serves the admin."""
        if self.by_webhook:
            assert self.settings.webhook_url is not None
            app.add_route(webhook_path(self.settings.webhook_url), self._webhook,
                          methods=["POST"], include_in_schema=False)

    async def _webhook(self, request: Request) -> Response:
        if self.receiver is None:  # starting or stopping; Telegram retries what is not 2xx
            return JSONResponse({"ok": False}, status_code=503)
        response: Response = await self.receiver.handle(request)
        return response

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        if not self.enabled:
            yield
            return

        dp = create_dispatcher(self.settings, self.sessionmaker)
        bot = create_bot(self.settings)
        receiving = self._by_webhook(dp, bot) if self.by_webhook else self._by_polling(dp, bot)
        stop_sending = asyncio.Event()
        async with receiving:
            sending = asyncio.create_task(self._keep_sending(bot, stop_sending))
            scheduling = asyncio.create_task(self._scheduler().run(stop_sending))
            watching = asyncio.create_task(
                pattern_watch(self.settings, self.sessionmaker, dp["translator"])
                .run(stop_sending))
            try:
                yield
            finally:
                stop_sending.set()  # finishes the messages in flight, releases what it holds
                await asyncio.gather(sending, scheduling, watching, return_exceptions=True)

    @asynccontextmanager
    async def _by_polling(self, dp: Any, bot: Any) -> AsyncIterator[None]:
        self.task = asyncio.create_task(self._poll(dp, bot))
        self.task.add_done_callback(self._finished)
        try:
            yield
        finally:
            if not self.task.done():
                try:
                    await dp.stop_polling()
                except RuntimeError:  # still trying to reach Telegram: polling never began
                    self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
            if not self.polling:  # start_polling closes the session it used; nothing did
                await bot.session.close()

    async def _poll(self, dp: Any, bot: Any) -> None:
        """Long polling, once Telegram answers its first calls (tried until it does)."""
        async def first_calls() -> None:
            # A webhook left by an earlier webhook-mode run would answer every getUpdates
            # with 409. Who the bot is, asked here, is what start_polling asks first.
            await bot.delete_webhook(drop_pending_updates=False)
            await bot.me()

        await until_reached(first_calls, on_failure=self._not_running)
        self.problem, self.polling = None, True
        await dp.start_polling(bot, handle_signals=False, allowed_updates=list(UPDATE_TYPES))

    @asynccontextmanager
    async def _by_webhook(self, dp: Any, bot: Any) -> AsyncIterator[None]:
        """Register the webhook and accept updates; on the way out finish those accepted.

        The webhook is not deleted at shutdown: with several workers one stopping must not cut
        the others off, and Telegram keeps updates for a restarted single process.
        """
        receiver = WebhookReceiver(dp, bot, secret=self.webhook_secret or random_secret())
        first_try = asyncio.Event()  # registered, or the first attempt failed (tried again)

        def failed(reason: str) -> None:
            self._not_running(reason)
            first_try.set()

        self.task = asyncio.create_task(self._register(receiver, failed))
        self.task.add_done_callback(self._finished)
        self.task.add_done_callback(lambda _: first_try.set())
        await first_try.wait()
        try:
            yield
        finally:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
            self.receiver = None  # uvicorn has stopped accepting; refuse anything straggling
            await receiver.shutdown()
            await bot.session.close()

    async def _register(self, receiver: Any, failed: Callable[[str], None]) -> None:
        """The dispatcher's start-up and setWebhook, each tried until Telegram answers."""
        url = self.settings.webhook_url
        assert url is not None
        await until_reached(receiver.startup, on_failure=failed)
        await until_reached(lambda: receiver.register(url), on_failure=failed)
        self.receiver, self.problem = receiver, None
        log.info("bot: receiving updates by webhook at %s", url)

    def _scheduler(self) -> Any:
        """The weekly team digests, written to the outbox the sender above delivers."""
        gettext_for = translations(locales_dir(), self.settings.default_language)
        return DigestScheduler(self.sessionmaker, zone=self.settings.zone,
                               gettext_for=gettext_for)

    async def _keep_sending(self, bot: Any, stop: asyncio.Event) -> None:
        """Run the outbox sender until `stop`, starting a fresh one whenever it dies (the
        database went away mid-round), so queued bulletins and alerts are never left behind.

        What the dead sender had claimed goes back first: otherwise it would wait for the
        stale-row recovery (OUTBOX_STALE_SECONDS). Repeated deaths wait longer, up to 30 s.
        """
        loop = asyncio.get_running_loop()
        failures = 0  # in a row; a sender that ran a minute before dying starts a new run
        while not stop.is_set():
            began = loop.time()
            try:
                if failures:
                    await self._release(self._worker_id())
                await self._sender(bot).run(stop)
            except Exception as error:  # noqa: BLE001 - logged, and the sender starts again
                failures = 1 if loop.time() - began > 60 else failures + 1
                pause = min(2.0 ** (failures - 1), 30.0)
                # The first of a run of failures with its traceback, the rest one line each.
                log.error("outbox sender stopped (%s: %s); starting again in %.0f s",
                          type(error).__name__, error, pause, exc_info=failures == 1)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=pause)

    async def _release(self, worker: str) -> None:
        """Hand back the rows a sender of this worker claimed but did not send."""
        async with self.sessionmaker.begin() as session:
            await OutboxRepository(session).release(worker=worker)

    @staticmethod
    def _worker_id() -> str:
        return f"{socket.gethostname()}:{os.getpid()}"

    def _sender(self, bot: Any) -> Any:
        """The outbox sender; a chat that refuses the bot (403) stops being a linked group."""
        async def unlink(chat_id: int) -> None:
            async with self.sessionmaker.begin() as session:
                await GroupRepository(session).deactivate(chat_id=chat_id, reason="403",
                                                          now=utcnow())

        return OutboxSender(bot, self.sessionmaker, worker_id=self._worker_id(),
                            on_forbidden=unlink, stale_after=self.settings.outbox_stale_seconds,
                            gate=flood_gate(self.settings, bot))  # shared with REDIS_URL

    def _finished(self, task: asyncio.Task[None]) -> None:
        error = None if task.cancelled() else task.exception()
        if error is None or isinstance(error, TelegramUnauthorizedError):  # logged already
            return
        self.problem = f"stopped: {error}"
        log.error("the bot stopped; the admin panel keeps running: %s", error)
