"""Filters checked on the event loop.

aiogram awaits a filter that is a coroutine, and runs any other callable, a magic filter such as
`F.chat.type == "private"` included, in a thread with `asyncio.to_thread`. A private message
passed about nine such checks on its way to its handler, each a hop to the thread pool and back
with the GIL handed over twice. Wrapping a magic filter in `Checked` makes it a coroutine;
tests/bot/test_filters.py fails if a router registers a filter or handler that is not one.
The checks every update meets (the chat's type, a button's data) are plain coroutines: resolving
a magic filter's chain of operations on every update showed in the bot's profile under load.
"""

from __future__ import annotations

from typing import Any

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


class ChatIs(Filter):
    """The event's chat (a message's) is of one of these types."""

    def __init__(self, *types: str) -> None:
        self.types = frozenset(types)

    async def __call__(self, event: TelegramObject) -> bool:
        return self.in_chat(event)

    def in_chat(self, event: object) -> bool:
        """Whether `event` (any object, None included) has a chat of one of these types."""
        chat = getattr(event, "chat", None)
        return chat is not None and chat.type in self.types

    def __str__(self) -> str:
        return f"ChatIs{tuple(sorted(self.types))}"


class TappedIn(ChatIs):
    """A button tapped on a message in a chat of one of these types."""

    async def __call__(self, event: TelegramObject) -> bool:
        return self.in_chat(getattr(event, "message", None))


class Data(Filter):
    """A button's data is `value`, or (with `prefix`) starts with it."""

    def __init__(self, value: str, *, prefix: bool = False) -> None:
        self.value, self.prefix = value, prefix

    async def __call__(self, event: TelegramObject) -> bool:
        data = getattr(event, "data", None)
        if not isinstance(data, str):
            return False
        return data.startswith(self.value) if self.prefix else data == self.value

    def __str__(self) -> str:
        return f"Data({self.value!r}{', prefix' if self.prefix else ''})"


class Typed(Filter):
    """A message of text that is not a command: commands reach their own handlers whatever
    the person is being asked."""

    async def __call__(self, event: TelegramObject) -> bool:
        text = getattr(event, "text", None)
        return isinstance(text, str) and not text.startswith("/")

    def __str__(self) -> str:
        return "Typed()"


IN_PRIVATE = ChatIs("private")
IN_GROUP = ChatIs("group", "supergroup")
FROM_PRIVATE = TappedIn("private")  # a button's message's chat
TYPED = Typed()


def data_is(value: str) -> Data:
    return Data(value)


def data_starts(prefix: str) -> Data:
    return Data(prefix, prefix=True)
