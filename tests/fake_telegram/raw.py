"""Bot API calls made as a plain HTTP client would, and how a rejection is checked."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from tests.helpers.fake_telegram import FakeTelegram

PARSE_ERROR = "Bad Request: can't parse entities"


def form_value(value: Any) -> str:
    """A parameter as an HTML form carries it: objects and booleans as JSON."""
    if isinstance(value, (dict, list, bool)):
        return json.dumps(value)
    return str(value)


async def call(
    fake: FakeTelegram,
    method: str,
    *,
    token: str | None = None,
    json_body: dict[str, Any] | None = None,
    **params: Any,
) -> tuple[int, dict[str, Any]]:
    """POST a Bot API call the way a simple HTTP client would (form or JSON)."""
    url = f"{fake.base_url}/bot{token or fake.token}/{method}"
    async with aiohttp.ClientSession() as session:
        if json_body is not None:
            response = await session.post(url, json=json_body)
        else:
            data = {key: form_value(value) for key, value in params.items()}
            response = await session.post(url, data=data)
        return response.status, await response.json()


async def send_text(fake: FakeTelegram, text: str, **params: Any) -> tuple[int, dict]:
    """sendMessage to a private chat the fake knows."""
    fake.private_chat(user_id=1001, first_name="Amara")
    return await call(fake, "sendMessage", chat_id=1001, text=text, **params)


def assert_rejected(response: tuple[int, dict], status: int, description: str) -> None:
    code, body = response
    assert (code, body["ok"], body["error_code"]) == (status, False, status), body
    assert body["description"].startswith(description), body["description"]


def inline(button: dict[str, Any]) -> dict[str, Any]:
    """An inline keyboard of one button."""
    return {"inline_keyboard": [[button]]}
