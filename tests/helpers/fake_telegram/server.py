"""FakeTelegram: an aiohttp server speaking the Bot API for end-to-end tests."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from . import methods_chats, methods_messages
from .calls import Call
from .controls import ScenarioControls
from .errors import NOT_IMPLEMENTED, ApiError, bad_request, not_found, unauthorized
from .faults import FaultPlan, FloodLimiter, Outage, is_flood_counted
from .spec import Upload, find_api_json, load_spec
from .state import ChatState, World
from .updates import Signal, UpdateQueue
from .webhook import WebhookDeliverer

log = logging.getLogger(__name__)
HANDLERS: dict[str, Callable[..., Any]] = {**methods_chats.METHODS, **methods_messages.METHODS}
DEFAULT_TOKEN = "123456789:AAFakeTokenForNearmissTests"
_TOKEN = re.compile(r"(\d+):[\w-]+")
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
CONFLICT_POLLER = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class _ClientGone(Exception):
    """A superseded long poll whose client already hung up: nobody to answer."""


class FakeTelegram(ScenarioControls):
    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        api_json: str | Path | None = None,
        username: str = "nearmiss_test_bot",
        first_name: str = "Nearmiss",
        clock: Callable[[], float] = time.monotonic,
        handle_timeout: float = 5.0,
    ) -> None:
        match = _TOKEN.fullmatch(token)
        if not match:
            raise ValueError(f"not a bot token: {token!r}")
        self.token = token
        self.bot_id = int(match.group(1))
        self.username = username
        self.first_name = first_name
        self.clock = clock
        self.handle_timeout = handle_timeout
        self.spec = load_spec(Path(api_json) if api_json else find_api_json())
        self.world = World()
        self.signal = Signal()
        self.updates = UpdateQueue(self.signal)
        self.faults = FaultPlan()
        self.outage: Outage | None = None  # set by start_outage(): every method fails
        self.flood: FloodLimiter | None = None
        self.calls: list[Call] = []
        # Called with every call as it is recorded, before the bot gets its answer: a load
        # benchmark timestamps replies here instead of waking on every signal.
        self.call_hooks: list[Callable[[Call], None]] = []
        self.webhook = WebhookDeliverer(self)
        # In webhook mode a 2xx means "received", not "handled": a test that runs the bot's
        # app in-process sets this to wait for its background work (see wait_handled).
        self.webhook_settled: Callable[[], Awaitable[None]] | None = None
        self._update_chats: dict[int, int] = {}
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._closing = False

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("FakeTelegram is not started; await fake.start() first")
        return self._base_url

    async def start(self) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        # handler_cancellation: a long poll whose client went away must not linger.
        # access_log=None: fake.calls and the transcripts are the readable record.
        self._runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()  # port 0: any free port
        host, port = self._runner.addresses[0][:2]
        self._base_url = f"http://{host}:{port}"
        self._closing = False
        self.webhook.start()

    async def stop(self) -> None:
        self._closing = True
        self.signal.notify()  # release held getUpdates so shutdown does not wait for them
        await self.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- the bot --------------------------------------------------------------------------

    @property
    def bot_user(self) -> dict[str, Any]:
        """The bot as it appears in Message.from."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    @property
    def bot_user_full(self) -> dict[str, Any]:
        """The bot as getMe returns it."""
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def user_api(self, user_id: int) -> dict[str, Any]:
        return self.bot_user if user_id == self.bot_id else self.world.user(user_id).to_api()

    # -- HTTP -----------------------------------------------------------------------------

    async def _not_found(self, request: web.Request) -> web.Response:
        error = not_found()
        self._record(Call(request.path, {}, status=404, description=error.description))
        return web.json_response(error.payload(), status=404)

    async def _handle(self, request: web.Request) -> web.Response:
        call = Call(request.match_info["method"], {})
        if self.outage is not None:
            return self._outage_answer(call)
        try:
            payload = {"ok": True, "result": await self._answer(request, call)}
            call.ok, call.status, call.result = True, 200, payload["result"]
        except ApiError as error:
            call.status, call.description = error.status, error.description
            payload = error.payload()
        except _ClientGone:
            return web.Response(status=499)
        except Exception as error:  # a bug in the fake must fail the test, not hang it
            log.exception("fake Telegram crashed in %s", call.method)
            call.status, call.description = 500, f"Internal Server Error: fake crashed: {error!r}"
            payload = {"ok": False, "error_code": 500, "description": call.description}
        if self.outage is not None and call.method == "getUpdates":
            # A long poll held when the outage began is cut by the gateway too; its batch
            # stays unconfirmed, so the bot gets it again after recovery.
            return self._outage_answer(call)
        self._record(call)
        return web.json_response(payload, status=call.status)

    async def _answer(self, request: web.Request, call: Call) -> Any:
        if request.match_info["token"] != self.token:
            raise unauthorized()
        method = self.spec.canonical_method(call.method)
        if method is None:
            raise not_found()
        call.method = method
        raw, files = await _read_request(request)
        call.params = raw
        if fault := self.faults.take(method):
            call.source = "fault"
            raise fault
        fields = self.spec.method_fields(method)
        # A file part may also carry a parameter directly (document=<file>), not via attach://.
        raw.update({k: v for k, v in files.items() if k in fields and k not in raw})
        decoded = self.spec.decode(method, raw, files)
        call.params, call.ignored_fields = decoded.params, decoded.ignored
        if method == "getUpdates":
            return await self._get_updates(request, decoded.params)
        handler = HANDLERS.get(method)
        if handler is None:
            raise bad_request(NOT_IMPLEMENTED)
        self._check_flood(method, decoded.params, call)
        return handler(self, decoded.params)

    def _outage_answer(self, call: Call) -> web.Response:
        """What the gateway in front of the Bot API answers while the outage lasts."""
        assert self.outage is not None
        call.status, call.description, call.source = self.outage.status, "outage", "outage"
        self._record(call)
        return self.outage.response()

    def _check_flood(self, method: str, params: dict[str, Any], call: Call) -> None:
        if self.flood is None or not is_flood_counted(method) or "chat_id" not in params:
            return
        try:
            chat = self.world.chat(params["chat_id"])
        except ApiError:
            return  # the method itself reports the unknown chat
        try:
            self.flood.check(chat.id, chat.is_group)
        except ApiError:
            call.source = "flood"
            raise

    async def _get_updates(self, request: web.Request, params: dict[str, Any]) -> list[dict]:
        if self.world.webhook:
            raise ApiError(409, CONFLICT_WEBHOOK)
        self.updates.confirm(params.get("offset"))
        self.updates.ask_for(params)
        self.updates.poll_generation += 1
        generation = self.updates.poll_generation

        def superseded() -> bool:
            return self.updates.poll_generation != generation

        def ready() -> bool:
            return (self._closing or superseded() or bool(self.updates.pending)
                    or self.outage is not None)

        await self.signal.wait_until(ready, max(0, params.get("timeout", 0)))
        if superseded() and not self._closing:
            if request.transport is None or request.transport.is_closing():
                raise _ClientGone
            raise ApiError(409, CONFLICT_POLLER)
        return self.updates.batch(params.get("limit", 100))

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        for hook in self.call_hooks:
            hook(call)
        if not call.ok and (chat := self._chat_of(call)) is not None:
            chat.log(f"✗ {call.method} rejected: {call.description}")
        self.signal.notify()

    def _chat_of(self, call: Call) -> ChatState | None:
        chat_id = call.params.get("chat_id")
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)  # the call failed before its params were decoded
        if isinstance(chat_id, int):
            return self.world.chats.get(chat_id)
        issued = self.world.callbacks.get(str(call.params.get("callback_query_id")))
        return self.world.chats.get(issued.chat_id) if issued else None


async def _read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Parameters from the query string and a JSON, urlencoded or multipart body."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON request body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON request body must be an object")
        raw.update(body)
    elif request.body_exists:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = Upload(value.filename, value.file.read(), value.content_type)
            else:
                raw[key] = value
    return raw, files
