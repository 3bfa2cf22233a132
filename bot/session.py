"""The bot's HTTP session: Bot API calls sent as one JSON body.

aiogram's AiohttpSession sends every call as form fields: each parameter prepared, the
nested ones (a question's keyboard) dumped to JSON one by one, and the whole form then
percent-encoded character by character. The Bot API takes an application/json body for any
call that uploads no file, and one json.dumps of the prepared parameters is all that needs.
A call with a file (an InputFile among its parameters) still goes as multipart form data.
Everything else (the URL, timeouts, errors, how the answer is read) is aiogram's own.
"""

from __future__ import annotations

from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientError

JSON_HEADERS = {"Content-Type": "application/json"}


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

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:
        body = self.json_body(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(url, data=body, headers=JSON_HEADERS,
                                    timeout=self.timeout if timeout is None else timeout
                                    ) as response:
                content = await response.text()
        except TimeoutError as error:
            raise TelegramNetworkError(method=method, message="Request timeout error") from error
        except ClientError as error:
            raise TelegramNetworkError(method=method,
                                       message=f"{type(error).__name__}: {error}") from error
        checked = self.check_response(bot=bot, method=method, status_code=response.status,
                                      content=content)
        return cast(TelegramType, checked.result)
