"""Telegram's HTML parse_mode, modelled on tdlib's parse_html (td/telegram/MessageEntity.cpp).

One deliberate difference: tdlib keeps a bare `&` that does not start an entity as a literal
character; the fake rejects it, because an unescaped `&` in bot output almost always means
user text was interpolated without html.escape, and the next `<` in that text would make
real Telegram fail. Attribute values keep tdlib's lenient behaviour (URLs contain `&`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NUMERIC = re.compile(r"&#(x[0-9A-Fa-f]*|[0-9]*)(;?)")
_NAMED = re.compile(r"&([A-Za-z]*)(;?)")
_UNQUOTED_VALUE = re.compile(r"[A-Za-z0-9.\-]*")
_SPACES = " \t\r\n"
_TIME_FORMAT = re.compile(r"r|w?[dD]?[tT]?")


class EntityParseError(ValueError):
    """The reason after "Bad Request: can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Telegram measures text and entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class ParsedText:
    plain: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int  # UTF-16 offset in the plain text where the tag's content starts
    language: str | None = None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, pos: int) -> int:
        return len(self.text[:pos].encode("utf-8", "surrogatepass"))

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.utf16 += utf16_len(chunk)

    def run(self) -> ParsedText:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == "&":
                self.emit(self.read_entity())
            elif char == "<":
                self.read_tag()
            else:
                self.emit(char)
                self.pos += 1
        if self.stack:
            name = self.stack[-1].name
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedText("".join(self.out), self.entities)

    def read_entity(self) -> str:
        char, end = decode_entity(self.text, self.pos)
        if char is None:
            raise EntityParseError(
                f"Character '&' at byte offset {self.byte_offset(self.pos)} does not begin "
                "an HTML entity; escape it as &amp;"
            )
        self.pos = end
        return char

    def read_tag(self) -> None:
        begin = self.pos
        self.pos += 1
        if self.text.startswith("/", self.pos):
            self.read_end_tag(begin)
        else:
            self.read_start_tag(begin)

    def read_name(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _SPACES + ">":
            self.pos += 1
        return self.text[start : self.pos].lower()

    def read_start_tag(self, begin: int) -> None:
        name = self.read_name()
        if name not in TAG_ENTITY:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}'
            )
        attrs = self.read_attributes(name, begin)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}'
            )
        self.stack.append(_OpenTag(name, attrs, self.utf16))

    def read_attributes(self, tag: str, begin: int) -> dict[str, str]:
        attrs: dict[str, str] = {}
        text = self.text
        while True:
            while self.pos < len(text) and text[self.pos] in _SPACES:
                self.pos += 1
            if self.pos >= len(text):
                offset = self.byte_offset(begin)
                raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
            if text[self.pos] == ">":
                self.pos += 1
                return attrs
            name = self.read_attribute_name(tag)
            attrs[name] = self.read_attribute_value(begin)

    def read_attribute_name(self, tag: str) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _SPACES + "=>":
            self.pos += 1
        if self.pos == start:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {self.byte_offset(start)}'
            )
        return self.text[start : self.pos].lower()

    def read_attribute_value(self, begin: int) -> str:
        text = self.text
        if not text.startswith("=", self.pos):
            return ""  # value-less attribute, e.g. <blockquote expandable>
        self.pos += 1
        if self.pos < len(text) and text[self.pos] in "\"'":
            quote = text[self.pos]
            end = text.find(quote, self.pos + 1)
            if end < 0:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {self.byte_offset(begin)}"
                )
            raw, self.pos = text[self.pos + 1 : end], end + 1
        else:
            match = _UNQUOTED_VALUE.match(text, self.pos)
            raw, self.pos = match.group(0), match.end()
        return decode_attribute(raw)

    def read_end_tag(self, begin: int) -> None:
        self.pos += 1
        name = self.read_name()
        while self.pos < len(self.text) and self.text[self.pos] in _SPACES:
            self.pos += 1
        if not self.text.startswith(">", self.pos):
            raise EntityParseError(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        self.pos += 1
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        open_tag = self.stack[-1]
        if name != open_tag.name:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{open_tag.name}>", found "</{name}>"'
            )
        self.stack.pop()
        self.close(open_tag)

    def close(self, tag: _OpenTag) -> None:
        parent = self.stack[-1] if self.stack else None
        language = tag.attrs.get("class", "")
        if (
            tag.name == "code"
            and parent
            and parent.name == "pre"
            and language.startswith("language-")
        ):
            # <pre><code class="language-x"> is one pre entity with a language.
            parent.language = language.removeprefix("language-")
            return
        entity = {"type": TAG_ENTITY[tag.name], "offset": tag.offset}
        entity.update(_entity_extras(tag, lambda: self.text_since(tag.offset)))
        entity["length"] = self.utf16 - tag.offset
        if entity["length"] > 0:  # tdlib drops empty entities
            self.entities.append(entity)

    def text_since(self, utf16_offset: int) -> str:
        plain = "".join(self.out).encode("utf-16-le")
        return plain[utf16_offset * 2 :].decode("utf-16-le", "surrogatepass")


def _entity_extras(tag: _OpenTag, content: Callable[[], str]) -> dict[str, Any]:
    attrs = tag.attrs
    if tag.name == "a":
        # Like tdlib, <a> without href links to its own text.
        return {"url": attrs.get("href") or content()}
    if tag.name == "pre":
        return {"language": tag.language} if tag.language else {}
    if tag.name == "blockquote" and "expandable" in attrs:
        return {"type": "expandable_blockquote"}
    if tag.name == "tg-emoji":
        emoji_id = attrs.get("emoji-id", "")
        if not emoji_id.isdigit() or int(emoji_id) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        return {"custom_emoji_id": emoji_id}
    if tag.name == "tg-time":
        return _time_extras(attrs)
    return {}


def _time_extras(attrs: dict[str, str]) -> dict[str, Any]:
    unix = attrs.get("unix", "")
    if not re.fullmatch(r"-?\d+", unix):
        raise EntityParseError("Invalid Unix time specified")
    extras: dict[str, Any] = {"unix_time": int(unix)}
    if fmt := attrs.get("format"):
        if not _TIME_FORMAT.fullmatch(fmt):
            raise EntityParseError("Invalid date and time format specified")
        extras["date_time_format"] = fmt
    return extras


def decode_entity(text: str, pos: int) -> tuple[str | None, int]:
    """Decode the HTML entity at text[pos] == '&' like tdlib: ';' is optional."""
    numeric = _NUMERIC.match(text, pos)
    if numeric:
        digits = numeric.group(1)
        value = int(digits[1:], 16) if digits.startswith("x") and len(digits) > 1 else None
        if value is None and digits.isdigit():
            value = int(digits)
        too_long = numeric.start(2) - pos >= 10
        if value is None or too_long or not _valid_code_point(value):
            return None, pos
        return chr(value), numeric.end()
    named = _NAMED.match(text, pos)
    char = NAMED_ENTITIES.get(named.group(1)) if named else None
    if named is None or char is None:
        return None, pos
    return char, named.end()


def _valid_code_point(value: int) -> bool:
    return 0 < value < 0x10FFFF and not 0xD800 <= value <= 0xDFFF


def decode_attribute(raw: str) -> str:
    """Attribute values decode entities but keep a bare '&' (tdlib behaviour)."""
    out, pos = [], 0
    while pos < len(raw):
        if raw[pos] == "&":
            char, end = decode_entity(raw, pos)
            if char is not None:
                out.append(char)
                pos = end
                continue
        out.append(raw[pos])
        pos += 1
    return "".join(out)


def parse_html(text: str) -> ParsedText:
    """Plain text and entities of `text`; raises EntityParseError with Telegram's reason."""
    return _Parser(text).run()


def trim(parsed: ParsedText) -> ParsedText:
    """Strip surrounding whitespace as Telegram does, keeping entity offsets right."""
    plain = parsed.plain
    lead = utf16_len(plain) - utf16_len(plain.lstrip(_SPACES))
    stripped = plain.strip(_SPACES)
    limit = utf16_len(stripped)
    entities = []
    for entity in parsed.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, limit)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return ParsedText(stripped, entities)
