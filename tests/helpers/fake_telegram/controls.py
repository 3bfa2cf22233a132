"""The test-facing half of FakeTelegram: play users, wait for the bot, inject faults."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from . import methods_chats
from .calls import Call, rejections_report
from .client import ChatClient
from .faults import Fault, FaultPlan, FloodLimiter, Outage
from .spec import ApiSpec
from .state import ChatState, FakeUser, World
from .updates import Signal, UpdateQueue


class ScenarioControls:
    """Mixed into FakeTelegram; everything a test calls besides start/stop."""

    if TYPE_CHECKING:  # set by FakeTelegram.__init__
        spec: ApiSpec
        world: World
        signal: Signal
        updates: UpdateQueue
        faults: FaultPlan
        outage: Outage | None
        flood: FloodLimiter | None
        calls: list[Call]
        clock: Callable[[], float]
        handle_timeout: float
        webhook_settled: Callable[[], Awaitable[None]] | None
        _update_chats: dict[int, int]

    # -- test side: chats and updates -----------------------------------------------------

    def private_chat(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> ChatClient:
        """The private chat with a user who has started the bot (bot may message them)."""
        if user_id not in self.world.chats:
            user = self.world.user(user_id)  # may exist already from group messages
            user.first_name, user.last_name = first_name, last_name
            user.username, user.language_code = username, language_code
            self.world.chats[user_id] = ChatState(user_id, "private", user=user)
        return ChatClient(self, self.world.chats[user_id])

    def known_user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        username: str | None = None,
        language_code: str | None = None,
    ) -> FakeUser:
        """A user who exists but never started the bot: sending to them answers 403
        "Forbidden: bot can't initiate conversation with a user", as Telegram does, until
        a private_chat() with them is opened."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        return self.world.user(user_id, first_name=first_name, username=username,
                               language_code=language_code)

    def group_chat(
        self,
        chat_id: int,
        title: str = "Test group",
        *,
        chat_type: str | None = None,
        username: str | None = None,
    ) -> ChatClient:
        """A group the bot is a member of. -100... ids are supergroups, as in Telegram."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if chat_id not in self.world.chats:
            kind = chat_type or ("supergroup" if str(chat_id).startswith("-100") else "group")
            self.world.chats[chat_id] = ChatState(chat_id, kind, title=title, username=username)
        return ChatClient(self, self.world.chats[chat_id])

    def chat(self, chat_id: int) -> ChatClient:
        return ChatClient(self, self.world.chats[chat_id])

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember answers: creator/administrator/member/restricted/left/kicked."""
        if status not in methods_chats.MEMBER_TYPES:
            raise ValueError(f"unknown status {status!r}")
        self.world.chats[chat_id].member_status[user_id] = status

    def enqueue_update(self, payload: dict[str, Any], chat_id: int | None = None) -> int:
        """Queue an update (without update_id) for getUpdates; returns its update_id."""
        update_id = self.updates.enqueue(payload)
        if chat_id is not None:
            self._update_chats[update_id] = chat_id
        return update_id

    def deliver_again(self, update_id: int) -> None:
        """Telegram delivering an update again because the bot never confirmed it (killed
        after handling it): the next bot to start gets it first (see UpdateQueue.again).
        Call it while the bot is stopped."""
        self.updates.again(update_id)
        self.updates.confirmed_offset = min(self.updates.confirmed_offset, update_id)

    async def wait_handled(self, update_id: int, timeout: float | None = None) -> None:
        """Return once the bot has asked for updates past update_id (it handled it).

        With handle_as_tasks=False aiogram finishes every update of a batch before its
        next getUpdates, whose offset is last_update_id + 1. By webhook, once the bot's server
        answered 2xx for it and then, when set, webhook_settled() returned.
        """
        timeout = self.handle_timeout if timeout is None else timeout
        if await self.signal.wait_until(lambda: self.updates.handled(update_id), timeout):
            if self.world.webhook and self.webhook_settled is not None:
                await self.webhook_settled()
            return
        raise AssertionError(self._not_handled_report(update_id, timeout))

    def _not_handled_report(self, update_id: int, timeout: float) -> str:
        chat_id = self._update_chats.get(update_id)
        lines = [
            f"update {update_id} was not handled within {timeout}s: no getUpdates with "
            f"offset > {update_id} arrived (getUpdates calls so far: {self.updates.polls}, "
            f"highest offset: {self.updates.confirmed_offset or 'none'}).",
            "Is a Dispatcher polling this fake with handle_as_tasks=False?"
            if not self.world.webhook else
            f"A webhook is set ({self.world.webhook.get('url')}); did it answer 2xx?",
        ]
        if chat_id is not None:
            lines.append(self.transcript(chat_id))
        if self.rejected:
            lines.append(rejections_report(self.rejected))
        return "\n".join(lines)

    async def wait_until_polling(self, timeout: float | None = None) -> None:
        """Return once a getUpdates arrived, i.e. the dispatcher is up and listening."""
        timeout = self.handle_timeout if timeout is None else timeout
        if not await self.signal.wait_until(lambda: self.updates.polls > 0, timeout):
            raise AssertionError(f"no getUpdates within {timeout}s: is the dispatcher running?")

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wake on every recorded call until predicate() is truthy; TimeoutError otherwise."""
        value = await self.signal.wait_until(predicate, timeout)
        if value is None:
            raise TimeoutError(f"condition not met within {timeout}s\n{self.transcript()}")
        return value

    def transcript(self, chat_id: int | None = None) -> str:
        chats = [self.world.chats[chat_id]] if chat_id is not None else self.world.chats.values()
        parts = []
        for chat in chats:
            name = chat.title or (chat.user.first_name if chat.user else "")
            body = "\n".join(f"  {line}" for line in chat.events) or "  (nothing yet)"
            parts.append(f"--- chat {chat.id} ({name}) ---\n{body}")
        return "\n".join(parts)

    # -- test side: faults and checks -----------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        description: str | None = None,
        retry_after: int | None = 3,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with an error instead of running it.

        429 answers carry parameters.retry_after (aiogram raises TelegramRetryAfter);
        other statuses do not, since aiogram would misread them as flood waits.
        """
        canonical = self.spec.canonical_method(method)
        if canonical is None:
            raise ValueError(f"{method} is not a Bot API method")
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if status == 429
                else HTTPStatus(status).phrase
            )
        after = retry_after if status == 429 else None
        self.faults.add(Fault(canonical, status, description, after, times))

    def start_outage(self, status: int = 502, *, html: bool = True) -> None:
        """Make Telegram unreachable: every method, held long polls included, answers `status`
        (with nginx's HTML page, or a Bot API JSON error when html=False) until end_outage().

        Updates enqueued meanwhile wait in the queue, as Telegram keeps them. The failed calls
        are recorded with source "outage" and, like fail_next(), are not rejections.
        """
        self.outage = Outage(status, html)
        self.signal.notify()  # held getUpdates wake up and are cut

    def end_outage(self) -> None:
        """Telegram is back: methods run again."""
        self.outage = None
        self.signal.notify()

    def enable_flood_limits(
        self,
        global_per_second: int | None = 30,
        per_group_per_minute: int | None = 20,
        *,
        per_chat_per_second: int | None = None,
        clock: Callable[[], float] | None = None,
    ) -> FloodLimiter:
        self.flood = FloodLimiter(
            clock or self.clock, global_per_second, per_group_per_minute, per_chat_per_second
        )
        return self.flood

    def disable_flood_limits(self) -> None:
        self.flood = None

    @property
    def rejected(self) -> list[Call]:
        return [call for call in self.calls if not call.ok]

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def expect_refusal(self, method: str, chat_id: int, status: int) -> None:
        """Declare that Telegram refusing this (a kicked bot's 403) is the point of a test."""
        self.__dict__.setdefault("_expected_refusals", set()).add((method, chat_id, status))

    def _expected(self, call: Call) -> bool:
        key = (call.method, call.params.get("chat_id"), call.status)
        return key in self.__dict__.get("_expected_refusals", set())

    def assert_no_rejections(self, *, include_injected: bool = False) -> None:
        """Fail listing every call Telegram would have rejected.

        fail_next() and start_outage() injections are deliberate and skipped unless
        include_injected=True, as are refusals a test declared with expect_refusal();
        flood-limit 429s count, since the bot caused them.
        """
        injected = ("fault", "outage")
        bad = [c for c in self.rejected
               if (include_injected or c.source not in injected) and not self._expected(c)]
        if bad:
            raise AssertionError(rejections_report(bad))
