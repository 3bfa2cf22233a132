"""ChatClient: the test plays the user in one chat and reads what the bot did there."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .html_text import utf16_len
from .state import BotMessage, CallbackAnswer, ChatState, FakeUser, now

if TYPE_CHECKING:
    from .server import FakeTelegram

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?")
TICKS = ("✓ ", "✅ ", "✔ ", "✔️ ")


def _untick(label: str) -> str:
    for tick in TICKS:
        if label.startswith(tick):
            return label[len(tick) :].strip()
    return label.strip()


class ChatClient:
    def __init__(self, fake: FakeTelegram, state: ChatState) -> None:
        self.fake = fake
        self.state = state

    # -- identity -------------------------------------------------------------------------

    @property
    def id(self) -> int:
        return self.state.id

    @property
    def user(self) -> FakeUser | None:
        """The user of a private chat (None for groups)."""
        return self.state.user

    @property
    def messages(self) -> list[BotMessage]:
        return self.state.messages

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return self.state.callback_answers

    def _sender(self, from_user: FakeUser | ChatClient | int | None) -> FakeUser:
        if isinstance(from_user, ChatClient):
            from_user = from_user.user
        if isinstance(from_user, FakeUser):
            return self.fake.world.users.setdefault(from_user.id, from_user)
        if isinstance(from_user, int):
            return self.fake.world.user(from_user)
        default = self.state.user or self.state.last_sender
        if default is None:
            raise ValueError(f"chat {self.id} is a group: pass from_user=")
        return default

    # -- the user acts --------------------------------------------------------------------

    async def send(
        self,
        text: str,
        *,
        from_user: FakeUser | ChatClient | int | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> int:
        """The user sends a text message; returns the update_id."""
        fields: dict[str, Any] = {"text": text}
        if command := _COMMAND.match(text):
            length = utf16_len(command.group(0))
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return await self._post(fields, text, from_user, wait, timeout)

    async def send_sticker(self, emoji: str = "👍", **options: Any) -> int:
        file = self._file("sticker.webp", "image/webp")
        sticker = {
            **file,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return await self._post({"sticker": sticker}, f"[sticker {emoji}]", **_kw(options))

    async def send_photo(self, caption: str | None = None, **options: Any) -> int:
        sizes = [(90, 67), (1280, 960)]
        photo = [
            {**self._file("photo.jpg", "image/jpeg"), "width": w, "height": h} for w, h in sizes
        ]
        fields: dict[str, Any] = {"photo": photo}
        if caption:
            fields["caption"] = caption
        return await self._post(fields, f"[photo] {caption or ''}".rstrip(), **_kw(options))

    async def send_voice(self, duration: int = 3, **options: Any) -> int:
        voice = {**self._file("voice.ogg", "audio/ogg"), "duration": duration}
        voice["mime_type"] = "audio/ogg"
        return await self._post({"voice": voice}, f"[voice {duration}s]", **_kw(options))

    async def send_document(
        self,
        filename: str = "notes.txt",
        content: bytes = b"notes",
        caption: str | None = None,
        **options: Any,
    ) -> int:
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        document = self.fake.world.new_file(filename, content, mime)
        fields: dict[str, Any] = {"document": document.to_api()}
        if caption:
            fields["caption"] = caption
        return await self._post(fields, f"[document {filename}]", **_kw(options))

    async def send_raw_message(self, extra_fields: dict[str, Any], **options: Any) -> int:
        """Any other Message shape: extra_fields are merged into the message object."""
        return await self._post(dict(extra_fields), f"[raw {sorted(extra_fields)}]", **_kw(options))

    async def edit(
        self,
        message_id: int,
        text: str,
        *,
        wait: bool = True,
        timeout: float | None = None,
    ) -> int:
        """The user edits their text message `message_id` to read `text`: Telegram sends the
        whole message again, with edit_date, as an edited_message update. Returns its id."""
        original = self.state.user_messages.get(message_id)
        if original is None or "text" not in original:
            raise AssertionError(f"no text message #{message_id} of the user in chat {self.id}")
        message = {key: value for key, value in original.items() if key != "entities"}
        message.update(text=text, edit_date=max(now(), original["date"]))
        if command := _COMMAND.match(text):
            length = utf16_len(command.group(0))
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        self.state.user_messages[message_id] = message
        self.state.log(f"→ {message['from']['first_name']} edits #{message_id}: {text}")
        update_id = self.fake.enqueue_update({"edited_message": message}, self.id)
        if wait:
            await self.fake.wait_handled(update_id, timeout)
        return update_id

    def last_sent_id(self) -> int:
        """The id of the newest message the user sent in this chat."""
        if not self.state.user_messages:
            raise AssertionError(f"the user has sent nothing in chat {self.id}")
        return max(self.state.user_messages)

    def _file(self, filename: str, mime: str) -> dict[str, Any]:
        file = self.fake.world.new_file(filename, b"", mime)
        return {"file_id": file.file_id, "file_unique_id": file.file_unique_id}

    async def _post(
        self,
        fields: dict[str, Any],
        shown: str,
        from_user: Any,
        wait: bool,
        timeout: float | None,
    ) -> int:
        sender = self._sender(from_user)
        message = {
            "message_id": self.state.new_message_id(),
            "from": sender.to_api(),
            "chat": self.state.to_api(),
            "date": now(),
            **fields,
        }
        self.state.user_messages[message["message_id"]] = message
        self.state.last_sender = sender
        self.state.blocked = False  # a user has to unblock the bot to write to it
        self.state.log(f"→ {sender.first_name}: {shown}")
        update_id = self.fake.enqueue_update({"message": message}, self.id)
        if wait:
            await self.fake.wait_handled(update_id, timeout)
        return update_id

    async def click(
        self,
        label: str,
        *,
        from_user: FakeUser | ChatClient | int | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> int:
        """Tap the inline button labelled `label` on the newest bot message that has it."""
        message, data = self._find_button(label)
        return await self._callback(message, data, f"taps [{label}]", from_user, wait, timeout)

    async def click_data(
        self,
        data: str,
        message_id: int | None = None,
        *,
        from_user: FakeUser | ChatClient | int | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> int:
        """Send callback data no button carries (forged/stale), on a message of this chat."""
        if message_id is None:
            message = self._last_with_keyboard()
            if message is None:
                raise AssertionError(f"no bot message with a keyboard\n{self.transcript()}")
            message_id = message.message_id
        message = self.state.bot_message(message_id) or BotMessage(message_id, None, "")
        shown = f"sends callback data {data!r}"
        return await self._callback(message, data, shown, from_user, wait, timeout)

    async def _callback(
        self,
        message: BotMessage,
        data: str,
        shown: str,
        from_user: Any,
        wait: bool,
        timeout: float | None,
    ) -> int:
        sender = self._sender(from_user)
        query = {
            "id": self.fake.world.issue_callback(self.id, data),
            "from": sender.to_api(),
            "message": self._callback_message(message),
            # Stable per chat, like Telegram's global chat identifier for callbacks.
            "chat_instance": str(8_000_000_000_000_000_000 + abs(self.id)),
            "data": data,
        }
        self.state.log(f"→ {sender.first_name} {shown} on #{message.message_id} (data={data!r})")
        update_id = self.fake.enqueue_update({"callback_query": query}, self.id)
        if wait:
            await self.fake.wait_handled(update_id, timeout)
        return update_id

    def _callback_message(self, message: BotMessage) -> dict[str, Any]:
        current = self.state.bot_message(message.message_id)
        if current is not None and not current.deleted:
            return current.to_api(self.state.to_api(), self.fake.bot_user)
        # Deleted or never existed: Telegram sends an InaccessibleMessage (date 0).
        return {"chat": self.state.to_api(), "message_id": message.message_id, "date": 0}

    def _find_button(self, label: str) -> tuple[BotMessage, str]:
        for message in reversed(self.state.live_messages()):
            for matches in (lambda t: t == label, lambda t: _untick(t) == _untick(label)):
                for text, data in (b for row in message.buttons for b in row):
                    if matches(text):
                        if data is None:
                            raise AssertionError(f"button {text!r} has no callback_data")
                        return message, data
        raise AssertionError(
            f"no button {label!r} in chat {self.id}; visible buttons:\n"
            f"{self._visible_buttons()}\n{self.transcript()}"
        )

    def _visible_buttons(self) -> str:
        lines = [
            f"  #{m.message_id}: " + " ".join(f"[{label}]" for label in m.labels())
            for m in reversed(self.state.live_messages())
            if m.buttons
        ]
        return "\n".join(lines) or "  (none)"

    # -- reading what the bot did ---------------------------------------------------------

    def _last_with_keyboard(self) -> BotMessage | None:
        return next((m for m in reversed(self.state.live_messages()) if m.buttons), None)

    def last_message(self) -> BotMessage | None:
        live = self.state.live_messages()
        return live[-1] if live else None

    def last_text(self) -> str:
        """Plain text of the newest bot message that is not deleted ('' if none)."""
        message = self.last_message()
        return message.plain if message else ""

    @property
    def arrivals(self) -> list[str]:
        """Every text the person was shown, in order: messages as sent, and text edits (a
        question can replace the one whose button was tapped)."""
        return self.state.arrivals

    def texts(self, *, include_deleted: bool = True) -> list[str]:
        return [m.plain for m in self.state.messages if include_deleted or not m.deleted]

    def buttons(self) -> list[str]:
        """Labels of the newest bot message with an inline keyboard."""
        message = self._last_with_keyboard()
        return message.labels() if message else []

    @property
    def documents(self) -> list[Any]:
        return [m.document for m in self.state.messages if m.document is not None]

    def transcript(self) -> str:
        return self.fake.transcript(self.id)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Re-check predicate() after every recorded call; TimeoutError with the transcript."""
        value = await self.fake.signal.wait_until(predicate, timeout)
        if value is None:
            raise TimeoutError(f"condition not met within {timeout}s\n{self.transcript()}")
        return value

    # -- chat conditions ------------------------------------------------------------------

    def block(self) -> None:
        """The user blocks the bot: sends answer 403 until the user writes again."""
        self.state.blocked = True

    def unblock(self) -> None:
        self.state.blocked = False

    def remove_bot(self) -> None:
        """An admin kicks the bot from this group."""
        self.state.bot_gone = f"bot was kicked from the {self.state.type} chat"

    def set_member_status(self, user_id: int, status: str) -> None:
        self.fake.set_member_status(self.id, user_id, status)


def _kw(options: dict[str, Any]) -> dict[str, Any]:
    """Normalise the keyword options of the send_* helpers for _post."""
    unknown = set(options) - {"from_user", "wait", "timeout"}
    if unknown:
        raise TypeError(f"unexpected options {sorted(unknown)}")
    return {
        "from_user": options.get("from_user"),
        "wait": options.get("wait", True),
        "timeout": options.get("timeout"),
    }
