"""One process, one event loop: uvicorn serves the admin; the bot polls in its lifespan, or
(webhook mode) Telegram posts updates to a route on the same app."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import uvicorn
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from admin.app import create_app
from bot.webhook import shared_secret
from core import memory
from core.settings import Settings, admin_base_url, admin_secret
from nearmiss.bot_in_app import BotInApp
from nearmiss.logs import configure_logging
from nearmiss.retention import RetentionJob, running
from nearmiss.users import first_sign_in_hint
from storage.db import create_engine, create_sessionmaker

log = logging.getLogger(__name__)
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def with_retention(job: RetentionJob, inner: Lifespan) -> Lifespan:
    """The app's lifespan with the daily retention job beside it, bot or no bot."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running(job), inner(app):
            yield

    return lifespan


def build_app(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], *,
              with_bot: bool, webhook_secret: str | None = None,
              engine: AsyncEngine | None = None) -> tuple[FastAPI, BotInApp]:
    """The admin app with the bot, retention job (and, in webhook mode, the route) inside;
    `engine`, when given, is disposed at the end of the app's lifespan."""
    bot = BotInApp(settings, sessionmaker, enabled=with_bot, webhook_secret=webhook_secret)
    lifespan = with_retention(RetentionJob(sessionmaker), bot.lifespan)
    if engine is not None:
        lifespan = disposing(engine, lifespan)
    app = create_app(settings, sessionmaker, lifespan=lifespan, status=bot.status)
    bot.install(app)
    return app, bot


def worker_app() -> FastAPI:
    """One worker's app for `nearmiss run --webhook --workers N` (uvicorn's factory).

    Every worker process builds its own engine, dispatcher and sender from the environment;
    they register the same webhook with the secret they all derive from SECRET_KEY. Also
    usable directly: `uvicorn --factory --workers 4 nearmiss.serve:worker_app` after
    `nearmiss migrate`.
    """
    settings = Settings()
    configure_logging(settings)
    engine = create_engine(settings.database_url)
    app, _ = build_app(settings, create_sessionmaker(engine),
                       with_bot=settings.token_problem() is None,
                       webhook_secret=shared_secret(admin_secret(settings)), engine=engine)
    memory.settle()
    return app


def disposing(engine: AsyncEngine, inner: Lifespan) -> Lifespan:
    """The lifespan, then the engine's connections closed."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            async with inner(app):
                yield
        finally:
            await engine.dispose()

    return lifespan


async def serve(settings: Settings, *, with_bot: bool) -> None:
    """Serve the admin at ADMIN_HOST:ADMIN_PORT until SIGINT/SIGTERM.

    The engine is disposed in the app's lifespan, while uvicorn still holds the signals:
    after serving, uvicorn raises the signal that stopped it again, and asyncio.run answers
    a SIGINT by cancelling whatever is awaited, so a dispose left until then was cut short
    with the pool's "Exception closing connection" traceback.
    """
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    app, _ = build_app(settings, sessionmaker, with_bot=with_bot, engine=engine)
    config = uvicorn.Config(app, host=settings.admin_host, port=settings.admin_port,
                            log_level=settings.log_level.lower(), lifespan="on")
    memory.settle()
    log.info("admin panel: %s/admin (listening on %s:%s)", admin_base_url(settings),
             settings.admin_host, settings.admin_port)
    if hint := await first_sign_in_hint(sessionmaker, admin_base_url(settings)):
        print(hint, file=sys.stderr)
    try:
        await uvicorn.Server(config).serve()
    finally:
        await engine.dispose()  # when the lifespan never ran; nothing is left to close else
