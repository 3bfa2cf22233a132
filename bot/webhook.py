"""Webhook mode: Telegram POSTs each update to our web app instead of us long polling.

The other way updates reach the dispatcher (bot/runner.py polls). aiogram's webhook helpers are
written for aiohttp; this is their small Starlette equivalent, so the route lives on the same
FastAPI app as the admin panel: check the secret header, answer 200 at once, and handle the
update in a task the receiver keeps, so Telegram never waits on a slow handler and shutdown can
finish what was accepted.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.dispatcher import UPDATE_TYPES

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # Telegram's updates are a few kB; anything this big is not one


def random_secret() -> str:
    """A fresh secret for one process: a stolen one dies with the process."""
    return secrets.token_urlsafe(48)


def shared_secret(secret_key: str) -> str:
    """The secret every worker derives alike from SECRET_KEY, with no coordination.

    Each worker registers the webhook at start-up; a random secret per worker would leave
    only the last one to register able to accept Telegram's requests.
    """
    return hmac.new(secret_key.encode(), b"nearmiss webhook secret v1", hashlib.sha256).hexdigest()


def webhook_path(url: str) -> str:
    """The route to serve: the path of WEBHOOK_URL (a reverse proxy terminates TLS before us)."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError(f"WEBHOOK_URL must be an https:// URL (Telegram posts only to HTTPS), "
                         f"got {url!r}")
    if parts.path.rstrip("/") in ("", "/admin") or parts.path.startswith(("/admin/", "/static/")):
        raise ValueError(f"WEBHOOK_URL needs a path of its own, such as "
                         f"https://{parts.netloc}/telegram/webhook, got {url!r}")
    return parts.path


class WebhookReceiver:
    """One bot's webhook: registers it with Telegram and feeds what arrives to the dispatcher."""

    def __init__(self, dp: Dispatcher, bot: Bot, *, secret: str) -> None:
        self.dp, self.bot, self.secret = dp, bot, secret
        self.tasks: set[asyncio.Task[None]] = set()

    async def register(self, url: str) -> None:
        """setWebhook, keeping updates Telegram holds (a restart must lose nothing). Several
        workers registering at once meet Telegram's flood limit: the bot's session waits it
        out (bot/sending/flood_waits.py)."""
        await self.bot.set_webhook(url, secret_token=self.secret,
                                   allowed_updates=list(UPDATE_TYPES), drop_pending_updates=False)

    async def handle(self, request: Request) -> Response:
        """POST from Telegram: 403 without our secret, 400 for a body that is no Update."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return JSONResponse({"ok": False}, status_code=403)
        update = await self._parse(request)
        if update is None:
            return JSONResponse({"ok": False}, status_code=400)
        task = asyncio.create_task(self._feed(update), name=f"update-{update.update_id}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return JSONResponse({"ok": True})

    async def _parse(self, request: Request) -> Update | None:
        body = await request.body()
        if len(body) > MAX_BODY:
            return None
        try:
            return Update.model_validate(json.loads(body), context={"bot": self.bot})
        except (ValueError, ValidationError):  # JSONDecodeError and UnicodeError are ValueErrors
            log.warning("webhook: a request body that is not a Telegram update was refused")
            return None

    async def _feed(self, update: Update) -> None:
        try:
            result = await self.dp.feed_update(self.bot, update)
            if isinstance(result, TelegramMethod):  # a handler answered "as a webhook reply"
                await self.dp.silent_call_request(self.bot, result)
        except Exception:  # the dispatcher's error handler already ran; keep the task quiet
            log.exception("webhook: update %s failed", update.update_id)

    async def drain(self) -> None:
        """Wait until every accepted update has been handled (new ones arriving meanwhile too)."""
        while self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    async def startup(self, **data: Any) -> None:
        """What start_polling does before its first getUpdates: the dispatcher's startup."""
        await self.dp.emit_startup(bot=self.bot, dispatcher=self.dp, bots=[self.bot],
                                   **self.dp.workflow_data, **data)

    async def shutdown(self) -> None:
        """Finish what was accepted, then the dispatcher's shutdown. The webhook stays set:
        other workers may still be serving it, and Telegram keeps updates for our restart."""
        await self.drain()
        await self.dp.emit_shutdown(bot=self.bot, dispatcher=self.dp, bots=[self.bot],
                                    **self.dp.workflow_data)
