"""Every filter and handler the dispatcher runs is a coroutine, so none goes to a thread.

aiogram runs a filter or handler that is not a coroutine with `asyncio.to_thread`: a plain
magic filter (`F.chat.type == "private"`) costs a round trip to the thread pool per check.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiogram import F, Router
from aiogram.dispatcher.event.handler import CallableObject
from aiogram.types import CallbackQuery, Chat, Message
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bot.dispatcher import create_dispatcher
from bot.filters import FROM_PRIVATE, IN_GROUP, IN_PRIVATE, Checked, data_is, data_starts
from core.settings import Settings


def _callables(router: Router) -> Iterator[tuple[str, CallableObject]]:
    for name, observer in router.observers.items():
        for check in observer._handler.filters or []:  # the router's own filters
            yield f"{router.name}.{name} filter {check.callback!r}", check
        for handler in observer.handlers:
            where = f"{router.name}.{name} {handler.callback.__name__}"
            yield where, handler
            for check in handler.filters or []:
                yield f"{where} filter {check.callback!r}", check
    for child in router.sub_routers:
        yield from _callables(child)


def test_no_filter_or_handler_of_the_dispatcher_runs_in_a_thread(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, bot_token="1:x", database_url="sqlite+aiosqlite://")
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")
    dp = create_dispatcher(settings, async_sessionmaker(engine))
    found = list(_callables(dp))
    assert len(found) > 40  # the walk reached the routers' handlers and filters
    threaded = [where for where, item in found if not item.awaitable]
    assert threaded == []


def test_a_plain_magic_filter_would_be_caught() -> None:
    router = Router(name="example")
    router.message.register(lambda message: None, F.text)
    threaded = [where for where, item in _callables(router) if not item.awaitable]
    assert len(threaded) == 2  # the sync handler and the magic filter


def _message(chat_type: str, text: str = "hello") -> Message:
    return Message.model_validate({"message_id": 1, "date": 0, "text": text,
                                   "chat": Chat(id=5, type=chat_type).model_dump()})


@pytest.mark.asyncio
async def test_checked_filters_answer_as_the_magic_filters_do() -> None:
    assert await IN_PRIVATE(_message("private")) is True
    assert await IN_PRIVATE(_message("group")) is False
    assert await IN_GROUP(_message("supergroup")) is True
    assert await IN_GROUP(_message("private")) is False
    assert await Checked(F.text)(_message("private", "A&E")) == "A&E"
    tap = CallbackQuery.model_validate({"id": "1", "chat_instance": "c", "data": "r|harm|c0",
                                        "from": {"id": 5, "is_bot": False, "first_name": "A"},
                                        "message": _message("private").model_dump()})
    assert await FROM_PRIVATE(tap) is True
    assert await data_starts("r|")(tap) is True
    assert await data_starts("lang|")(tap) is False
    assert await data_is("r|harm|c0")(tap) is True
    assert await data_is("go|report")(tap) is False


@pytest.mark.asyncio
async def test_a_tap_without_a_message_or_data_passes_no_check() -> None:
    # An inline message's button: Telegram sends no message, and a game's button no data.
    tap = CallbackQuery.model_validate({"id": "2", "chat_instance": "c", "inline_message_id": "i",
                                        "from": {"id": 5, "is_bot": False, "first_name": "A"}})
    assert await FROM_PRIVATE(tap) is False
    assert await data_starts("r|")(tap) is False
    assert await data_is("go|report")(tap) is False
    assert await IN_PRIVATE(tap) is False  # a tap has no chat of its own
