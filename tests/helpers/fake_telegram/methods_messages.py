"""Bot API methods that create, change or remove messages, and callback answers."""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING, Any

from .errors import (
    CANT_INITIATE,
    NOT_IMPLEMENTED,
    NOT_MODIFIED,
    QUERY_INVALID,
    ApiError,
    bad_request,
    forbidden,
)
from .html_text import utf16_len
from .rules import check_reply_markup, inline_buttons, parse_content
from .spec import Upload
from .state import BotMessage, CallbackAnswer, ChatState, SentDocument, now

if TYPE_CHECKING:
    from .server import FakeTelegram

SEND_MARKUPS = ["InlineKeyboardMarkup", "ReplyKeyboardMarkup", "ReplyKeyboardRemove", "ForceReply"]
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
CALLBACK_TEXT_LIMIT = 200
_ADMINS = ("administrator", "creator")


def _sendable_chat(fake: FakeTelegram, params: dict[str, Any]) -> ChatState:
    chat_id = params["chat_id"]
    if isinstance(chat_id, int) and chat_id not in fake.world.chats and chat_id in fake.world.users:
        # Telegram knows the user (from a group, or fake.known_user) but they never started
        # the bot: a bot may not speak first.
        raise forbidden(CANT_INITIATE)
    chat = fake.world.chat(chat_id)
    chat.check_can_send()
    return chat


def _markup(fake: FakeTelegram, params: dict[str, Any], allowed: list[str]) -> dict | None:
    markup = params.get("reply_markup")
    if markup is None:
        return None
    check_reply_markup(fake.spec, markup, allowed)
    return markup


def _reply_to(fake: FakeTelegram, chat: ChatState, params: dict[str, Any]) -> dict | None:
    reply = params.get("reply_parameters")
    if not reply:
        return None
    if errors := fake.spec.shape_errors("ReplyParameters", reply, "reply_parameters"):
        raise bad_request(f"can't parse reply_parameters: {errors[0]}")
    target = _message_api(fake, chat, int(reply["message_id"]))
    if target is None and not reply.get("allow_sending_without_reply"):
        raise bad_request("message to be replied not found")
    return target


def _message_api(fake: FakeTelegram, chat: ChatState, message_id: int) -> dict | None:
    bot_message = chat.bot_message(message_id)
    if bot_message is not None and not bot_message.deleted:
        return bot_message.to_api(chat.to_api(), fake.bot_user)
    return chat.user_messages.get(message_id)


def _deliver(fake: FakeTelegram, chat: ChatState, message: BotMessage) -> dict[str, Any]:
    chat.messages.append(message)
    chat.arrivals.append(message.plain)
    chat.log(f"← #{message.message_id}: {message.describe()}")
    return message.to_api(chat.to_api(), fake.bot_user)


def send_message(fake: FakeTelegram, params: dict[str, Any]) -> dict[str, Any]:
    chat = _sendable_chat(fake, params)
    content = parse_content(params, "text")
    markup = _markup(fake, params, SEND_MARKUPS)
    message = BotMessage(
        message_id=chat.new_message_id(),
        text=content.html,
        plain=content.plain,
        buttons=inline_buttons(markup),
        chat_id=chat.id,
        date=now(),
        entities=content.entities,
        reply_markup=markup,
        reply_to=_reply_to(fake, chat, params),
    )
    return _deliver(fake, chat, message)


def send_document(fake: FakeTelegram, params: dict[str, Any]) -> dict[str, Any]:
    chat = _sendable_chat(fake, params)
    document = _document(fake, params["document"])
    caption = parse_content(params, "caption", caption=True)
    markup = _markup(fake, params, SEND_MARKUPS)
    message = BotMessage(
        message_id=chat.new_message_id(),
        text=caption.html if caption else None,
        plain=caption.plain if caption else "",
        buttons=inline_buttons(markup),
        chat_id=chat.id,
        date=now(),
        entities=caption.entities if caption else [],
        reply_markup=markup,
        document=document,
        reply_to=_reply_to(fake, chat, params),
    )
    return _deliver(fake, chat, message)


def _document(fake: FakeTelegram, value: Upload | str) -> SentDocument:
    if isinstance(value, Upload):
        if not value.content:
            raise bad_request("file must be non-empty")
        if len(value.content) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        mime = mimetypes.guess_type(value.filename)[0] or value.content_type
        return fake.world.new_file(value.filename, value.content, mime)
    if value in fake.world.files:
        return fake.world.files[value]
    if value.startswith(("http://", "https://")):
        # Telegram would download it; the fake records the URL's file name, no content.
        name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
        return fake.world.new_file(name, b"", mimetypes.guess_type(name)[0] or "text/html")
    raise bad_request("wrong file identifier/HTTP URL specified")


def _editable(fake: FakeTelegram, params: dict[str, Any]) -> tuple[ChatState, BotMessage]:
    if "inline_message_id" in params:
        raise bad_request(f"inline_message_id: {NOT_IMPLEMENTED}")
    if "chat_id" not in params or "message_id" not in params:
        raise bad_request("message identifier is not specified")
    chat = fake.world.chat(params["chat_id"])
    chat.check_can_send()
    message = chat.bot_message(params["message_id"])
    if message is None or message.deleted:
        if params["message_id"] in chat.user_messages:
            raise bad_request("message can't be edited")
        raise bad_request("message to edit not found")
    return chat, message


def _same_markup(old: dict | None, new: dict | None) -> bool:
    def normal(markup: dict | None) -> Any:
        return (markup or {}).get("inline_keyboard") or None

    return normal(old) == normal(new)


def _apply_markup(message: BotMessage, markup: dict | None) -> None:
    message.reply_markup = markup
    message.buttons = inline_buttons(markup)
    message.edited = True
    message.edit_date = now()


def edit_message_text(fake: FakeTelegram, params: dict[str, Any]) -> dict[str, Any]:
    chat, message = _editable(fake, params)
    if message.document is not None:
        raise bad_request("there is no text in the message to edit")
    content = parse_content(params, "text")
    markup = _markup(fake, params, ["InlineKeyboardMarkup"])
    same_text = (content.plain, content.entities) == (message.plain, message.entities)
    if same_text and _same_markup(message.reply_markup, markup):
        raise bad_request(NOT_MODIFIED)
    message.text, message.plain, message.entities = content.html, content.plain, content.entities
    _apply_markup(message, markup)  # no reply_markup in the edit removes the keyboard
    chat.arrivals.append(message.plain)
    chat.log(f"← #{message.message_id} edited: {message.describe()}")
    return message.to_api(chat.to_api(), fake.bot_user)


def edit_message_reply_markup(fake: FakeTelegram, params: dict[str, Any]) -> dict[str, Any]:
    chat, message = _editable(fake, params)
    markup = _markup(fake, params, ["InlineKeyboardMarkup"])
    if _same_markup(message.reply_markup, markup):
        raise bad_request(NOT_MODIFIED)
    _apply_markup(message, markup)
    keys = " ".join(f"[{label}]" for label in message.labels()) or "(removed)"
    chat.log(f"← #{message.message_id} keyboard: {keys}")
    return message.to_api(chat.to_api(), fake.bot_user)


def delete_message(fake: FakeTelegram, params: dict[str, Any]) -> bool:
    chat = fake.world.chat(params["chat_id"])
    message_id = params["message_id"]
    message = chat.bot_message(message_id)
    if message is not None and not message.deleted:
        message.deleted = True
    elif message_id in chat.user_messages:
        if chat.is_group and chat.member_status.get(fake.bot_id) not in _ADMINS:
            # Only admins may delete other people's messages in groups.
            raise bad_request("message can't be deleted")
        del chat.user_messages[message_id]
    else:
        raise bad_request("message to delete not found")
    chat.log(f"← #{message_id} deleted")
    return True


def answer_callback_query(fake: FakeTelegram, params: dict[str, Any]) -> bool:
    query_id = params["callback_query_id"]
    issued = fake.world.callbacks.get(query_id)
    if issued is None or issued.answered:
        # Unknown ids and second answers get the same error from Telegram.
        raise bad_request(QUERY_INVALID)
    text = params.get("text")
    if text is not None and utf16_len(text) > CALLBACK_TEXT_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    issued.answered = True
    show_alert = bool(params.get("show_alert", False))
    answer = CallbackAnswer(query_id, issued.data, text, show_alert, params.get("url"))
    chat = fake.world.chats[issued.chat_id]
    chat.callback_answers.append(answer)
    if text:
        chat.log(f"← callback answer{' (alert)' if show_alert else ''}: {text}")
    return True


def send_chat_action(fake: FakeTelegram, params: dict[str, Any]) -> bool:
    _sendable_chat(fake, params)
    if params["action"] not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


METHODS = {
    "sendMessage": send_message,
    "sendDocument": send_document,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "answerCallbackQuery": answer_callback_query,
    "sendChatAction": send_chat_action,
}
