"""One process, one event loop: uvicorn serves the admin, the bot polls in its lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nearmiss.retention import RetentionJob, running
from nearmiss.settings import Settings

log = logging.getLogger(__name__)
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


class BotInApp:
    """Runs the bot's long polling beside the web app and reports how it is doing."""

    def __init__(self, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                 *, enabled: bool) -> None:
        self.settings, self.sessionmaker, self.enabled = settings, sessionmaker, enabled
        self.task: asyncio.Task[None] | None = None
        self.problem: str | None = None if enabled else "not configured (no BOT_TOKEN)"

    def status(self) -> dict[str, Any]:
        running = self.task is not None and not self.task.done()
        return {"bot": "running" if running else self.problem or "stopped"}

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        if not self.enabled:
            yield
            return
        from bot.dispatcher import create_bot, create_dispatcher

        dp = create_dispatcher(self.settings, self.sessionmaker)
        bot = create_bot(self.settings)
        self.task = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
        self.task.add_done_callback(self._finished)
        stop_sending = asyncio.Event()
        sending = asyncio.create_task(self._sender(bot).run(stop_sending))
        scheduling = asyncio.create_task(self._scheduler().run(stop_sending))
        try:
            yield
        finally:
            stop_sending.set()  # finishes the message in flight, releases what it holds
            if not self.task.done():
                await dp.stop_polling()
            await asyncio.gather(self.task, sending, scheduling, return_exceptions=True)

    def _scheduler(self) -> Any:
        """The weekly team digests, written to the outbox the sender above delivers."""
        from bot.scheduler import DigestScheduler, translations
        from nearmiss.settings import locales_dir

        gettext_for = translations(locales_dir(), self.settings.default_language)
        return DigestScheduler(self.sessionmaker, zone=self.settings.zone,
                               gettext_for=gettext_for)

    def _sender(self, bot: Any) -> Any:
        """The outbox sender; a chat that refuses the bot (403) stops being a linked group."""
        import os
        import socket

        from bot.sending import OutboxSender
        from storage.models import utcnow
        from storage.repositories import GroupRepository

        async def unlink(chat_id: int) -> None:
            async with self.sessionmaker.begin() as session:
                await GroupRepository(session).deactivate(chat_id=chat_id, reason="403",
                                                          now=utcnow())

        worker = f"{socket.gethostname()}:{os.getpid()}"
        return OutboxSender(bot, self.sessionmaker, worker_id=worker, on_forbidden=unlink,
                            stale_after=self.settings.outbox_stale_seconds)

    def _finished(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        self.problem = f"stopped: {task.exception()}"
        log.error("the bot stopped; the admin panel keeps running: %s", task.exception())


def with_retention(job: RetentionJob, inner: Lifespan) -> Lifespan:
    """The app's lifespan with the daily retention job beside it, bot or no bot."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running(job), inner(app):
            yield

    return lifespan


async def serve(settings: Settings, *, with_bot: bool) -> None:
    """Serve the admin at ADMIN_HOST:ADMIN_PORT until SIGINT/SIGTERM."""
    import uvicorn

    from admin.app import create_app
    from storage.db import create_engine, create_sessionmaker

    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    bot = BotInApp(settings, sessionmaker, enabled=with_bot)
    lifespan = with_retention(RetentionJob(sessionmaker), bot.lifespan)
    app = create_app(settings, sessionmaker, lifespan=lifespan, status=bot.status)
    config = uvicorn.Config(app, host=settings.admin_host, port=settings.admin_port,
                            log_level=settings.log_level.lower(), lifespan="on")
    log.info("admin panel: http://%s:%s/admin", settings.admin_host, settings.admin_port)
    try:
        await uvicorn.Server(config).serve()
    finally:
        await engine.dispose()
