"""Filters checked on the event loop.

aiogram awaits a filter that is a coroutine, and runs any other callable, a magic filter such as
`F.chat.type == "private"` included, in a thread with `asyncio.to_thread`. A private message
passed about nine such checks on its way to its handler, each a hop to the thread pool and back
with the GIL handed over twice. Wrapping a magic filter in `Checked` makes it a coroutine;
tests/bot/test_filters.py fails if a router registers a filter or handler that is not one.
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Filter
from aiogram.types import TelegramObject
from aiogram.utils.magic_filter import MagicFilter


class Checked(Filter):
    """A magic filter resolved in the event loop, with what it resolves to as its answer."""

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> Any:
        return self.magic.resolve(event)

    def __str__(self) -> str:
        return f"Checked({self.magic!r})"


IN_PRIVATE = Checked(F.chat.type == "private")
IN_GROUP = Checked(F.chat.type.in_({"group", "supergroup"}))
FROM_PRIVATE = Checked(F.message.chat.type == "private")  # a button's message's chat


def data_is(value: str) -> Checked:
    return Checked(F.data == value)


def data_starts(prefix: str) -> Checked:
    return Checked(F.data.startswith(prefix))
