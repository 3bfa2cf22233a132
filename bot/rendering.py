"""Prompt -> message text and inline keyboard; callback data <-> flow events."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from types import MappingProxyType

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from conversations import Button, ButtonInput, Field, Prompt, utf16_len
from conversations.prompts import SUMMARY_TEXT_LIMIT, shorten
from core.i18n import Translator

FLOW_PREFIX = "r"
TICK = "✅ "
# Telegram refuses a message whose text, once its HTML is read, passes this many UTF-16 code
# units (an emoji counts two).
TEXT_LIMIT = 4096
_TAG = re.compile(r"<[^>]*>")  # user text is escaped, so every "<" left opens a tag of ours


@dataclass(frozen=True)
class Rendered:
    """A prompt in one language, ready to send."""

    text: str
    markup: InlineKeyboardMarkup | None  # aiogram's types are frozen: safe to send again
    labels: Mapping[str, str]  # casefolded visible label -> button code, to accept typed labels


def render(prompt: Prompt, tr: Translator, language: str) -> Rendered:
    """Turn a prompt into HTML text and buttons whose data the flow understands.

    Remembered: prompts are values, and most are the same questions in the same few languages
    (building a keyboard's models and translating its labels showed in every update's cost
    under load). A prompt that differs (a summary, a ticked choice) is new."""
    return _render(prompt, tr, language)


@lru_cache(maxsize=2048)
def _render(prompt: Prompt, tr: Translator, language: str) -> Rendered:
    markup, labels = _keyboard(prompt, tr, language)
    return Rendered(_fitting_body(prompt, tr, language), markup, MappingProxyType(labels))


def _fitting_body(prompt: Prompt, tr: Translator, language: str) -> str:
    """The prompt's text, within what Telegram accepts: if it would be too long (a summary of
    long answers in a language of long labels), the answers quoted in it are cut shorter until
    it fits. The answers themselves are kept whole."""
    text, limit = _body(prompt, tr, language), SUMMARY_TEXT_LIMIT
    while telegram_length(text) > TEXT_LIMIT and limit > 0:
        limit //= 2
        text = _body(_quoting_at_most(prompt, limit), tr, language)
    return text


def telegram_length(text: str) -> int:
    """How long Telegram counts a message of this HTML: its visible text in UTF-16 units."""
    return utf16_len(html.unescape(_TAG.sub("", text)))


def _quoting_at_most(prompt: Prompt, limit: int) -> Prompt:
    """The prompt with each answer it quotes shortened to `limit` UTF-16 code units."""
    lines = tuple(Field(line.label, shorten(line.value, limit))
                  if isinstance(line, Field) and isinstance(line.value, str) else line
                  for line in prompt.lines)
    return replace(prompt, lines=lines)


def _body(prompt: Prompt, tr: Translator, language: str) -> str:
    parts: list[str] = []
    if prompt.notice is not None:
        parts.append(f"<i>{tr.text(prompt.notice, language)}</i>")
    previous_was_field = False
    for line in prompt.lines:
        is_field = isinstance(line, Field)
        rendered = tr.text(line, language)
        if is_field and previous_was_field:
            parts[-1] += "\n" + rendered
        else:
            parts.append(rendered)
        previous_was_field = is_field
    return "\n\n".join(parts)


def _keyboard(prompt: Prompt, tr: Translator,
              language: str) -> tuple[InlineKeyboardMarkup | None, dict[str, str]]:
    if not prompt.rows:
        return None, {}
    labels: dict[str, str] = {}
    rows = []
    for row in prompt.rows:
        buttons = []
        for button in row:
            label = _label(button, tr, language)
            labels.setdefault(tr.label(button.label, language).casefold(), button.code)
            buttons.append(InlineKeyboardButton(
                text=label, callback_data=flow_data(prompt.step, button.code)))
        rows.append(buttons)
    return InlineKeyboardMarkup(inline_keyboard=rows), labels


def _label(button: Button, tr: Translator, language: str) -> str:
    text = tr.label(button.label, language)
    return TICK + text if button.selected else text


def flow_data(step: str, code: str) -> str:
    """Callback data for a flow button: short, and it names the question it belongs to."""
    return f"{FLOW_PREFIX}|{step}|{code}"


def parse_flow_data(data: str | None) -> ButtonInput | None:
    """The event a tapped button stands for, or None when the data is not ours."""
    parts = (data or "").split("|")
    if len(parts) != 3 or parts[0] != FLOW_PREFIX or not parts[1] or not parts[2]:
        return None
    return ButtonInput(step=parts[1], code=parts[2])


def single_button(text: str, data: str) -> InlineKeyboardMarkup:
    """A one-button keyboard."""
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=text,
                                                                       callback_data=data)]])
