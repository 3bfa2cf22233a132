"""The bot's HTTP session: Bot API calls sent as one JSON body.

aiogram's AiohttpSession sends every call as form fields: each parameter prepared, the
nested ones (a question's keyboard) dumped to JSON one by one, and the whole form then
percent-encoded character by character. The Bot API takes an application/json body for any
call that uploads no file, and one json.dumps of the prepared parameters is all that needs.
A call with a file (an InputFile among its parameters) still goes as multipart form data.
Only the body is ours: the request, timeouts, errors and reading the answer stay aiogram's
(`make_request` posts whatever `build_form_data` gives it, and aiohttp sends a payload with
its own content type).
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiohttp import FormData
from aiohttp.payload import BytesPayload

from core.log_redaction import REDACTED, secret_forms


class JsonSession(AiohttpSession):
    """AiohttpSession that sends calls without files as a JSON body."""

    def json_body(self, bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
        """The call's parameters as a JSON body, or None when it uploads a file.

        Parameters are prepared as aiogram prepares form fields (defaults resolved, dates as
        timestamps, enums as their values) and, as there, empty ones are left out."""
        files: dict[str, Any] = {}
        body: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared:
                body[key] = prepared
        if files:
            return None
        return self.json_dumps(body).encode()

    def build_form_data(self, bot: Bot, method: TelegramMethod[Any]
                        ) -> FormData:
        body = self.json_body(bot, method)
        if body is None:  # a file: prepared again as aiogram's form (uploads are rare)
            return super().build_form_data(bot, method)
        return BytesPayload(body, content_type="application/json")  # type: ignore[return-value]


class HideToken(BaseRequestMiddleware):
    """A network error names the URL it failed on, and the URL holds the bot's token: the
    error is raised again with the token's secret replaced, and without the original."""

    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot,
                       method: TelegramMethod[Any]) -> Any:
        try:
            return await make_request(bot, method)
        except TelegramNetworkError as error:
            message = error.message
            for secret in secret_forms(bot.token):
                message = message.replace(secret, REDACTED)
            if message == error.message:
                raise
            raise TelegramNetworkError(method=method, message=message) from None
