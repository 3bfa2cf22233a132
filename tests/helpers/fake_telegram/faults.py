"""Fault injection and Telegram-like flood limits (sliding windows on an injectable clock)."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from aiohttp import web

from .errors import ApiError, too_many_requests


@dataclass
class Fault:
    method: str
    status: int
    description: str
    retry_after: int | None
    times: int

    def error(self) -> ApiError:
        return ApiError(self.status, self.description, retry_after=self.retry_after)


class FaultPlan:
    """Errors to answer instead of running the method, consumed in order."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def take(self, method: str) -> ApiError | None:
        for fault in self._faults:
            if fault.method == method:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault.error()
        return None


@dataclass(frozen=True)
class Outage:
    """Telegram unreachable behind its gateway: every method answers `status` until it ends.

    Telegram's front is nginx, whose 502/504 pages are HTML, not Bot API JSON: html=True (the
    default) answers like that, so the bot must cope with a body it cannot decode.
    """

    status: int = 502
    html: bool = True

    def response(self) -> web.Response:
        phrase = HTTPStatus(self.status).phrase
        if not self.html:
            body = {"ok": False, "error_code": self.status, "description": phrase}
            return web.json_response(body, status=self.status)
        page = (f"<html>\r\n<head><title>{self.status} {phrase}</title></head>\r\n<body>\r\n"
                f"<center><h1>{self.status} {phrase}</h1></center>\r\n"
                "<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n")
        return web.Response(text=page, status=self.status, content_type="text/html")


def is_flood_counted(method: str) -> bool:
    """Telegram's broadcast limits apply to sending messages, not to chat actions or edits."""
    sends = method.startswith("send") and method != "sendChatAction"
    return sends or method in ("copyMessage", "forwardMessage")


class _Window:
    """At most `limit` events in any `seconds`-long sliding window."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.events: deque[float] = deque()

    def wait_needed(self, now: float) -> float:
        while self.events and self.events[0] <= now - self.seconds:
            self.events.popleft()
        if len(self.events) < self.limit:
            return 0.0
        return self.events[0] + self.seconds - now


class FloodLimiter:
    def __init__(
        self,
        clock: Callable[[], float],
        global_per_second: int | None = 30,
        per_group_per_minute: int | None = 20,
        per_chat_per_second: int | None = None,
    ) -> None:
        self.clock = clock
        self.global_window = _Window(global_per_second, 1.0) if global_per_second else None
        self.per_group = per_group_per_minute
        self.per_chat = per_chat_per_second
        self.group_windows: dict[int, _Window] = {}
        self.chat_windows: dict[int, _Window] = {}

    def check(self, chat_id: int, is_group: bool) -> None:
        """Count one message to chat_id, or raise 429 with the seconds until it would fit."""
        windows = self._windows(chat_id, is_group)
        now = self.clock()
        wait = max((w.wait_needed(now) for w in windows), default=0.0)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for window in windows:
            window.events.append(now)

    def _windows(self, chat_id: int, is_group: bool) -> list[_Window]:
        windows = [self.global_window] if self.global_window else []
        if is_group and self.per_group:
            windows.append(self.group_windows.setdefault(chat_id, _Window(self.per_group, 60.0)))
        if self.per_chat:
            windows.append(self.chat_windows.setdefault(chat_id, _Window(self.per_chat, 1.0)))
        return windows
