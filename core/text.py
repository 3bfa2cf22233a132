"""Translatable messages as data: the flow says *what* to say, bot/ says it in a language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


def N_(msgid: str) -> str:
    """Mark a msgid for extraction without translating it (translation happens in bot/)."""
    return msgid


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a msgid with its plural for extraction; `Msg.counted` chooses the form later."""
    return singular, plural


@dataclass(frozen=True)
class Msg:
    """A msgid with named parameters, rendered later in the reader's language; a msgid with
    a plural is rendered in the language's form for `n` (ngettext)."""

    msgid: str
    params: dict[str, Param] = field(default_factory=dict)
    plural: str = ""
    n: int = 1

    @classmethod
    def counted(cls, forms: tuple[str, str], n: int, params: dict[str, Param]) -> Msg:
        """The form of `forms` (from NP_) for the number `n`."""
        return cls(forms[0], params, plural=forms[1], n=n)

    def __hash__(self) -> int:
        return hash((self.msgid, tuple(sorted(self.params))))


# A parameter is user text (str, echoed escaped), a number, a date, or more translatable text.
Param = str | int | date | Msg | tuple[Msg, ...]


@dataclass(frozen=True)
class Field:
    """One labelled line of a summary: the label is translated, the value is the answer."""

    label: Msg
    value: Param


Line = Msg | Field


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (a message's limit, entity offsets): in UTF-16 code units,
    so a character outside the Basic Multilingual Plane (most emoji) counts two."""
    return len(text.encode("utf-16-le")) // 2


def utf16_prefix(text: str, limit: int) -> str:
    """The longest start of `text` that is at most `limit` UTF-16 code units long."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return text[:index]
    return text
