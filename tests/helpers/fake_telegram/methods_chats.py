"""Bot API methods about the bot itself, webhooks, commands and chats."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .errors import bad_request, forbidden
from .rules import check_commands

if TYPE_CHECKING:
    from .server import FakeTelegram

MEMBER_TYPES = {
    "creator": "ChatMemberOwner",
    "administrator": "ChatMemberAdministrator",
    "member": "ChatMemberMember",
    "restricted": "ChatMemberRestricted",
    "left": "ChatMemberLeft",
    "kicked": "ChatMemberBanned",
}
# Required by aiogram (Bot API 10.3) but missing from api.json 10.1; real Telegram sends them.
NEWER_REQUIRED = {"ChatMemberAdministrator": {"can_send_welcome_messages": False}}
_LANGUAGE = re.compile(r"[a-z]{2}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def get_me(fake: FakeTelegram, params: dict[str, Any]) -> dict[str, Any]:
    return fake.bot_user_full


def ok(fake: FakeTelegram, params: dict[str, Any]) -> bool:
    return True


def set_webhook(fake: FakeTelegram, params: dict[str, Any]) -> bool:
    url = params["url"]
    if not url.lower().startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    fake.world.webhook = {"max_connections": 40,
                          **{k: v for k, v in params.items() if k in _WEBHOOK_INFO_FIELDS}}
    fake.world.webhook_secret = secret
    fake.updates.ask_for(params)
    _maybe_drop_pending(fake, params)
    return True


_WEBHOOK_INFO_FIELDS = ("url", "ip_address", "max_connections", "allowed_updates")


def delete_webhook(fake: FakeTelegram, params: dict[str, Any]) -> bool:
    fake.world.webhook = fake.world.webhook_secret = None
    _maybe_drop_pending(fake, params)
    return True


def _maybe_drop_pending(fake: FakeTelegram, params: dict[str, Any]) -> None:
    if params.get("drop_pending_updates"):
        fake.updates.drop_all()


def get_webhook_info(fake: FakeTelegram, params: dict[str, Any]) -> dict[str, Any]:
    info = {"url": "", "has_custom_certificate": False, **(fake.world.webhook or {})}
    info["pending_update_count"] = len(fake.updates.pending)
    return info


def _commands_key(fake: FakeTelegram, params: dict[str, Any]) -> str:
    scope = params.get("scope") or {"type": "default"}
    if errors := fake.spec.shape_errors("BotCommandScope", scope, "scope"):
        raise bad_request(f"can't parse BotCommandScope: {errors[0]}")
    language = params.get("language_code", "")
    if language and not _LANGUAGE.fullmatch(language):
        raise bad_request("invalid language code specified")
    return json.dumps({"scope": scope, "language_code": language}, sort_keys=True)


def set_my_commands(fake: FakeTelegram, params: dict[str, Any]) -> bool:
    commands = params["commands"]
    if errors := fake.spec.shape_errors("Array of BotCommand", commands, "commands"):
        raise bad_request(f"can't parse commands: {errors[0]}")
    check_commands(commands)
    fake.world.commands[_commands_key(fake, params)] = commands
    return True


def get_my_commands(fake: FakeTelegram, params: dict[str, Any]) -> list[dict[str, Any]]:
    return fake.world.commands.get(_commands_key(fake, params), [])


def delete_my_commands(fake: FakeTelegram, params: dict[str, Any]) -> bool:
    fake.world.commands.pop(_commands_key(fake, params), None)
    return True


def get_chat(fake: FakeTelegram, params: dict[str, Any]) -> dict[str, Any]:
    chat = fake.world.chat(params["chat_id"])
    base = {**chat.to_api(), "accent_color_id": 0, "max_reaction_count": 11}
    return fake.spec.fill_required("ChatFullInfo", base)


def get_chat_member(fake: FakeTelegram, params: dict[str, Any]) -> dict[str, Any]:
    chat = fake.world.chat(params["chat_id"])
    if chat.bot_gone:
        raise forbidden(chat.bot_gone)
    user_id = params["user_id"]
    if not chat.is_group and user_id not in (fake.bot_id, chat.id):
        raise bad_request("user not found")
    status = chat.member_status.get(user_id, "member")
    return member_object(fake, status, fake.user_api(user_id))


def member_object(fake: FakeTelegram, status: str, user: dict[str, Any]) -> dict[str, Any]:
    type_name = MEMBER_TYPES[status]
    # Administrators get every right, restricted members none; api.json lists them.
    member = fake.spec.fill_required(
        type_name, {"status": status, "user": user}, flag=status == "administrator"
    )
    member.update(NEWER_REQUIRED.get(type_name, {}))
    if status == "administrator":
        member["can_be_edited"] = member["is_anonymous"] = False
    return member


def leave_chat(fake: FakeTelegram, params: dict[str, Any]) -> bool:
    chat = fake.world.chat(params["chat_id"])
    if not chat.is_group:
        raise bad_request("chat member status can't be changed in private chats")
    if chat.bot_gone:
        raise forbidden(chat.bot_gone)
    chat.bot_gone = f"bot is not a member of the {chat.type} chat"
    chat.member_status[fake.bot_id] = "left"
    chat.log("← bot left the chat")
    return True


METHODS = {
    "getMe": get_me,
    "close": ok,
    "logOut": ok,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "leaveChat": leave_chat,
}
