"""Content rules Telegram enforces on sent content: text, captions, keyboards, commands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import bad_request
from .html_text import EntityParseError, ParsedText, parse_html, trim, utf16_len
from .spec import ApiSpec

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_MAX_BYTES = 64
# InlineKeyboardButton fields that are not "the action" (api.json: "Exactly one of the
# fields other than text, icon_custom_emoji_id, and style must be used").
_NON_ACTION_FIELDS = {"text", "icon_custom_emoji_id", "style"}
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_URL = re.compile(r"(https?|tg)://\S+", re.IGNORECASE)
MARKUP_KEYS = {
    "inline_keyboard": "InlineKeyboardMarkup",
    "keyboard": "ReplyKeyboardMarkup",
    "remove_keyboard": "ReplyKeyboardRemove",
    "force_reply": "ForceReply",
}
_FLAG_OF = {"ReplyKeyboardRemove": "remove_keyboard", "ForceReply": "force_reply"}


@dataclass
class Content:
    """Text or caption as the bot sent it and as the user sees it."""

    html: str
    plain: str
    entities: list[dict[str, Any]]


def parse_content(params: dict[str, Any], key: str, *, caption: bool = False) -> Content | None:
    """Apply parse_mode / entities and Telegram's length rules to params[key]."""
    raw = params.get(key)
    if raw is None:
        if caption:
            return None
        raise bad_request("message text is empty")
    parsed = trim(_parse(raw, params, "caption_entities" if caption else "entities"))
    limit, what = (CAPTION_LIMIT, "message caption") if caption else (TEXT_LIMIT, "message")
    if utf16_len(parsed.plain) > limit:
        raise bad_request(f"{what} is too long")
    if not parsed.plain and not caption:
        raise bad_request("message text is empty")
    return Content(raw, parsed.plain, parsed.entities)


def _parse(raw: str, params: dict[str, Any], entities_key: str) -> ParsedText:
    if entities_key in params:
        # Explicit entities win over parse_mode, as in the Bot API.
        return ParsedText(raw, list(params[entities_key]))
    mode = (params.get("parse_mode") or "").lower()
    if not mode:
        return ParsedText(raw)
    if mode in ("markdown", "markdownv2"):
        raise bad_request(f"parse_mode {params['parse_mode']} is not implemented in fake")
    if mode != "html":
        raise bad_request("unsupported parse_mode")
    try:
        return parse_html(raw)
    except EntityParseError as error:
        raise bad_request(f"can't parse entities: {error}") from None


def check_reply_markup(spec: ApiSpec, markup: dict[str, Any], allowed: list[str]) -> str:
    """Validate reply_markup; returns its api.json type name."""
    kind = next((name for key, name in MARKUP_KEYS.items() if key in markup), None)
    if kind is None:
        raise bad_request("can't parse reply keyboard markup JSON object")
    if kind not in allowed:
        raise bad_request(f"{kind} is not allowed here; expected {' or '.join(allowed)}")
    checks = {
        "InlineKeyboardMarkup": _check_inline_keyboard,
        "ReplyKeyboardMarkup": _check_reply_keyboard,
    }
    if kind in checks:
        checks[kind](spec, markup)
    elif markup.get(_FLAG_OF[kind]) is not True:
        raise bad_request(f"can't parse {kind}: the flag must be true")
    return kind


def _rows(markup: dict[str, Any], key: str) -> list[list[Any]]:
    rows = markup.get(key)
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'field "{key}" of the keyboard must be an Array of Arrays')
    return rows


def _check_inline_keyboard(spec: ApiSpec, markup: dict[str, Any]) -> None:
    actions = set(spec.type_fields("InlineKeyboardButton")) - _NON_ACTION_FIELDS
    for row in _rows(markup, "inline_keyboard"):
        for button in row:
            _check_inline_button(button, actions)


def _check_inline_button(button: Any, actions: set[str]) -> None:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton expected")
    if not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Can't find field \"text\"")
    if not button["text"].strip():
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    used = sorted(actions & button.keys())
    if not used:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(used) > 1:
        raise bad_request(
            f"can't parse inline keyboard button: exactly one action field expected, got {used}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_MAX_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not _URL.fullmatch(str(button["url"])):
        raise bad_request("BUTTON_URL_INVALID")


def _check_reply_keyboard(spec: ApiSpec, markup: dict[str, Any]) -> None:
    rows = _rows(markup, "keyboard")
    if not any(rows):
        raise bad_request("keyboard must be non-empty")
    for row in rows:
        for button in row:
            text = button if isinstance(button, str) else (button or {}).get("text")
            if not isinstance(text, str) or not text.strip():
                raise bad_request("can't parse keyboard button: Text must be non-empty")
            if isinstance(button, dict) and (
                errors := spec.shape_errors("KeyboardButton", button, "button")
            ):
                raise bad_request(f"can't parse keyboard button: {errors[0]}")


def inline_buttons(markup: dict[str, Any] | None) -> list[list[tuple[str, str | None]]]:
    """Rows of (label, callback_data) of an inline keyboard; [] for other markups."""
    if not markup or "inline_keyboard" not in markup:
        return []
    return [[(b["text"], b.get("callback_data")) for b in row] for row in markup["inline_keyboard"]]


def check_commands(commands: list[dict[str, Any]]) -> None:
    """setMyCommands: Telegram's limits on command names and descriptions."""
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    for command in commands:
        name = command.get("command")
        if not isinstance(name, str) or not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
