"""Webhook delivery: the fake POSTs queued updates to the registered URL, as Telegram does."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from .state import now
from .updates import wanted

if TYPE_CHECKING:
    from .server import FakeTelegram

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FIRST_RETRY, LAST_RETRY = 0.05, 1.0  # Telegram backs off too, only much more slowly


@dataclass
class Delivery:
    """One POST of an update to the webhook and how the bot's server answered it."""

    update_id: int
    status: int  # 0: no HTTP answer at all (refused, reset, timed out)
    error: str | None = None


class WebhookDeliverer:
    """POSTs pending updates, retrying each until the bot answers 2xx; a chat's updates go
    one at a time, in order.

    `connections` is how many deliveries may be under way at once. Telegram uses up to the
    webhook's max_connections (40 unless set), each connection kept open; bench.load asks for
    that (`keep_alive=True`). Tests keep one delivery at a time, every update in the order
    sent, on a connection of its own, so that several worker processes behind one port each
    get some. The URL must be https (setWebhook says so); `proxy` stands for the
    TLS-terminating reverse proxy in front of the bot, so the fake delivers to
    http://127.0.0.1:<port><path> while the bot registered an https URL.
    """

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.proxy: str | None = None
        self.deliveries: list[Delivery] = []
        self.connections = 1
        self.keep_alive = False
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._http: aiohttp.ClientSession | None = None
        self._busy: set[int | None] = set()  # chats with an update being posted

    def as_telegram(self) -> None:
        """Deliver as Telegram does: in parallel up to the webhook's max_connections, on
        connections kept open. Call before the fake starts."""
        self.connections, self.keep_alive = 40, True

    def start(self) -> None:
        self._http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=10),
            connector=aiohttp.TCPConnector(force_close=not self.keep_alive,
                                           limit=self.connections))
        self._stopping = False
        self._tasks = [asyncio.create_task(self._run()) for _ in range(self.connections)]

    async def stop(self) -> None:
        # A flag, not Task.cancel(): on Python 3.11 wait_for() can swallow a cancellation.
        self._stopping = True
        self.fake.signal.notify()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._http is not None:
            await self._http.close()
            self._http = None

    def target(self, url: str) -> str:
        if self.proxy is None:
            return url
        proxy, parts = urlsplit(self.proxy), urlsplit(url)
        return urlunsplit((proxy.scheme, proxy.netloc, parts.path, parts.query, ""))

    async def _run(self) -> None:
        delay = FIRST_RETRY
        while not self._stopping:
            update = await self.fake.signal.wait_until(self._next, 1.0)
            if not isinstance(update, dict):
                continue
            chat = self.fake._update_chats.get(update["update_id"])
            self._busy.add(chat)
            try:
                delivered = await self._deliver(update)
            finally:
                self._busy.discard(chat)
                self.fake.signal.notify()  # the chat's next update may go now
            if delivered:
                delay = FIRST_RETRY
            else:
                await self.fake.signal.wait_until(lambda: self._stopping, delay)
                delay = min(delay * 2, LAST_RETRY)

    def _next(self) -> dict[str, Any] | bool | None:
        """The first pending update whose chat has none being posted (so not itself)."""
        if self._stopping:
            return True
        webhook = self.fake.world.webhook
        if not webhook:
            return None
        for update in list(self.fake.updates.pending):
            if not wanted(update, webhook.get("allowed_updates")):
                self.fake.updates.delivered(update["update_id"])  # Telegram drops it unsent
            elif self.fake._update_chats.get(update["update_id"]) not in self._busy:
                return update
        return None

    async def _deliver(self, update: dict[str, Any]) -> bool:
        webhook = self.fake.world.webhook
        assert webhook is not None and self._http is not None
        headers = {}
        if secret := self.fake.world.webhook_secret:
            headers[SECRET_HEADER] = secret
        try:
            async with self._http.post(self.target(webhook["url"]), json=update,
                                       headers=headers) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            return self._failed(Delivery(update["update_id"], 0, f"Connection error: {error}"))
        if 200 <= status < 300:
            self.deliveries.append(Delivery(update["update_id"], status))
            self.fake.updates.delivered(update["update_id"])
            return True
        return self._failed(Delivery(update["update_id"], status, f"Wrong response from the "
                                                                    f"webhook: {status}"))

    def _failed(self, delivery: Delivery) -> bool:
        self.deliveries.append(delivery)
        if self.fake.world.webhook is not None:
            self.fake.world.webhook.update(last_error_date=now(),
                                           last_error_message=delivery.error)
        self.fake.signal.notify()
        return False
