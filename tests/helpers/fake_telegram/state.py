"""What the fake Telegram knows: users, chats, the messages in them, issued ids."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import CHAT_NOT_FOUND, bad_request, forbidden

GROUP_TYPES = ("group", "supergroup")
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")


def now() -> int:
    return int(time.time())


@dataclass
class FakeUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        optional = {
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }
        data.update({k: v for k, v in optional.items() if v is not None})
        return data


@dataclass
class SentDocument:
    filename: str
    content: bytes
    mime_type: str
    file_id: str
    file_unique_id: str

    def to_api(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.filename,
            "mime_type": self.mime_type,
            "file_size": len(self.content),
        }


@dataclass
class CallbackAnswer:
    query_id: str
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None = None


@dataclass
class BotMessage:
    """A message the bot sent, in its current state (edits applied)."""

    message_id: int
    text: str | None  # text or caption exactly as sent (HTML when parse_mode=HTML)
    plain: str  # what the user sees: tags removed, entities decoded
    buttons: list[list[tuple[str, str | None]]] = field(default_factory=list)
    edited: bool = False
    deleted: bool = False
    chat_id: int = 0
    date: int = 0
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    document: SentDocument | None = None
    edit_date: int | None = None
    reply_to: dict[str, Any] | None = None

    def labels(self) -> list[str]:
        return [label for row in self.buttons for label, _ in row]

    def describe(self) -> str:
        """One transcript entry: what the user sees, with the keyboard underneath."""
        body = self.plain
        if self.document:
            size = len(self.document.content)
            body = f"[document {self.document.filename}, {size} bytes] {body}".rstrip()
        keys = " ".join(f"[{label}]" for label in self.labels())
        return body + (f"\n        {keys}" if keys else "")

    def to_api(self, chat: dict[str, Any], bot_user: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": bot_user,
            "chat": chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.reply_to is not None:
            data["reply_to_message"] = self.reply_to
        data.update(self._content_fields())
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            # Messages only ever carry inline keyboards; reply keyboards are not echoed.
            data["reply_markup"] = self.reply_markup
        return data

    def _content_fields(self) -> dict[str, Any]:
        prefix = "caption" if self.document else "text"
        data: dict[str, Any] = {}
        if self.document:
            data["document"] = self.document.to_api()
        if self.plain or not self.document:
            data[prefix] = self.plain
        if self.entities:
            data[f"{prefix}_entities" if self.document else "entities"] = self.entities
        return data


@dataclass
class ChatState:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    user: FakeUser | None = None  # the other party of a private chat
    blocked: bool = False
    bot_gone: str | None = None  # why the bot can no longer post here (left / kicked)
    messages: list[BotMessage] = field(default_factory=list)
    # What arrived for the person to read, in order: each message as sent, each text edit.
    arrivals: list[str] = field(default_factory=list)
    user_messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    member_status: dict[int, str] = field(default_factory=dict)
    callback_answers: list[CallbackAnswer] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    last_sender: FakeUser | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def is_group(self) -> bool:
        return self.type in GROUP_TYPES

    def new_message_id(self) -> int:
        # One sequence per chat shared by the user's and the bot's messages, as in Telegram.
        return next(self._ids)

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.is_group:
            data["title"] = self.title
        elif self.user is not None:
            user = self.user.to_api()
            data.update({k: user[k] for k in ("first_name", "last_name", "username") if k in user})
        if self.username:
            data["username"] = self.username
        return data

    def bot_message(self, message_id: int) -> BotMessage | None:
        return next((m for m in self.messages if m.message_id == message_id), None)

    def live_messages(self) -> list[BotMessage]:
        return [m for m in self.messages if not m.deleted]

    def log(self, line: str) -> None:
        self.events.append(line)

    def check_can_send(self) -> None:
        if self.blocked:
            raise forbidden("bot was blocked by the user")
        if self.bot_gone:
            raise forbidden(self.bot_gone)


@dataclass
class IssuedCallback:
    chat_id: int
    data: str | None
    answered: bool = False


class World:
    """All chats and ids; methods and the test-side clients both work on this."""

    def __init__(self) -> None:
        self.chats: dict[int, ChatState] = {}
        self.users: dict[int, FakeUser] = {}
        self.callbacks: dict[str, IssuedCallback] = {}
        self.files: dict[str, SentDocument] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] | None = None
        self.webhook_secret: str | None = None  # sent in X-Telegram-Bot-Api-Secret-Token
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)

    def chat(self, chat_id: int | str) -> ChatState:
        """Resolve a chat_id parameter (id or @username) or fail like Telegram."""
        if isinstance(chat_id, str):
            match = [c for c in self.chats.values() if c.username and f"@{c.username}" == chat_id]
            if not match:
                raise bad_request(CHAT_NOT_FOUND)
            return match[0]
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request(CHAT_NOT_FOUND)
        return chat

    def user(self, user_id: int, **details: Any) -> FakeUser:
        if user_id not in self.users:
            details.setdefault("first_name", f"User{user_id}")
            self.users[user_id] = FakeUser(user_id, **details)
        return self.users[user_id]

    def new_file(self, filename: str, content: bytes, mime_type: str) -> SentDocument:
        n = next(self._file_ids)
        document = SentDocument(filename, content, mime_type, f"BQACAgfake{n:06d}", f"AgADfake{n}")
        self.files[document.file_id] = document
        return document

    def issue_callback(self, chat_id: int, data: str | None) -> str:
        query_id = str(4_000_000_000_000_000 + next(self._callback_ids))
        self.callbacks[query_id] = IssuedCallback(chat_id, data)
        return query_id
