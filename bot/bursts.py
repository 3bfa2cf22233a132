"""A burst of messages from one person gets one answer, and so does an album.

A stuck key, or a long paste Telegram splits into pieces, brings many messages from one person
within a second. They wait, in order, on the person's conversation lock (aiogram's event
isolation), and each would get a reply of its own: thirty notices to one chat, most of them
refused by Telegram's flood limit. So while a newer message of the same person is already
waiting, a message whose reply would only be a notice (the report has not moved on: an early
or unreadable message, the pointer to /report) says nothing: the newest one answers, for the
state the conversation is then in (`superseded`, which handlers ask through their Turn). A
message that moves the report on is always answered, since the question it leads to must be
seen before the next message is taken as its answer.

An album (photos sent together: one media_group_id) arrives as one message a photo; the first
is handled and answered, the rest are taken without a word.

Both are known within one process: with several webhook workers, the messages of one burst
that reach different workers are answered once by each.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
ALBUMS_KEPT = 10_000  # chats whose latest album is remembered, the most recent


def never() -> bool:
    """`superseded` outside a private chat's message: nothing newer is waiting."""
    return False


class Bursts(BaseMiddleware):
    """An outer update middleware, before the person's lock: it must see each message as it
    arrives, not when its turn comes."""

    def __init__(self) -> None:
        self.newest: dict[int, int] = {}  # chat id -> its newest message's update id in hand
        self.albums: OrderedDict[int, str] = OrderedDict()  # chat id -> its latest album

    async def __call__(self, handler: Handler, event: TelegramObject,
                       data: dict[str, Any]) -> Any:
        if not isinstance(event, Update) or event.message is None \
                or event.message.chat.type != "private":
            return await handler(event, data)
        message, update_id = event.message, event.update_id
        chat_id = message.chat.id
        if message.media_group_id is not None and self._seen_album(chat_id,
                                                                   message.media_group_id):
            return None  # the album's first message was answered
        self.newest[chat_id] = max(self.newest.get(chat_id, update_id), update_id)
        data["superseded"] = lambda: self.newest.get(chat_id, update_id) > update_id
        try:
            return await handler(event, data)
        finally:
            if self.newest.get(chat_id) == update_id:
                del self.newest[chat_id]

    def _seen_album(self, chat_id: int, group: str) -> bool:
        """Whether `group` is the chat's album already in hand; remembers it if not."""
        if self.albums.get(chat_id) == group:
            return True
        self.albums[chat_id] = group
        self.albums.move_to_end(chat_id)
        if len(self.albums) > ALBUMS_KEPT:
            self.albums.popitem(last=False)
        return False
