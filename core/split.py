"""Split Telegram HTML into messages that each fit Telegram's 4,096-character limit.

Supported markup: the attribute-free formatting tags bulletins use (<b>, <i>, and also
<u>, <s>, <em>, <strong>) and escaped text (&lt; &gt; &amp; &quot; &#NN;). Anything else
(<a href=...>, <pre>, a bare "<") raises ValueError rather than risk a broken part.

Length is measured as Telegram does after parsing: tags count nothing, an entity counts as
the character it stands for, and characters count in UTF-16 code units (an emoji is two).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

TEXT_LIMIT = 4096
SIMPLE_TAGS = frozenset({"b", "i", "u", "s", "em", "strong"})
# Paragraphs first, then lines, then words; a word longer than a message is cut anywhere.
SEPARATORS = ("\n\n", "\n", " ")
_TOKEN = re.compile(r"<(/?)([A-Za-z-]+)>|&(?:#[0-9]+|#x[0-9A-Fa-f]+|[A-Za-z]+);|.", re.S)


@dataclass(frozen=True, slots=True)
class _Token:
    raw: str
    width: int  # visible UTF-16 code units; 0 for a tag
    tag: str | None = None
    closing: bool = False


def split_message(html_text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split HTML into parts of at most `limit` visible characters, each with balanced tags."""
    if limit < 2:
        raise ValueError("limit must allow at least one (UTF-16 surrogate pair) character")
    tokens = _tokenize(html_text)
    parts = _pack(tokens, limit, 0)
    kept = [p for p in parts if "".join(t.raw for t in p if t.tag is None).strip()]
    return _balance(kept)


def visible_length(html_text: str) -> int:
    """Return the length Telegram counts for this HTML: UTF-16 units, tags excluded."""
    return sum(t.width for t in _tokenize(html_text))


def _tokenize(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        raw = match.group(0)
        if match.group(2) is not None:
            name = match.group(2).lower()
            if name not in SIMPLE_TAGS:
                raise ValueError(f"unsupported tag {raw!r}: split_message handles {SIMPLE_TAGS}")
            tokens.append(_Token(raw, 0, name, bool(match.group(1))))
        elif raw == "<":
            raise ValueError("bare '<' in HTML: escape user text with html.escape")
        else:
            tokens.append(_Token(raw, _utf16(html.unescape(raw))))
    return tokens


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _width(tokens: list[_Token]) -> int:
    return sum(t.width for t in tokens)


def _pack(tokens: list[_Token], limit: int, level: int) -> list[list[_Token]]:
    """Greedily join pieces split at SEPARATORS[level]; recurse into pieces that are too long."""
    if _width(tokens) <= limit:
        return [tokens]
    if level == len(SEPARATORS):
        return _cut(tokens, limit)
    separator = [_Token(ch, 1) for ch in SEPARATORS[level]]
    parts: list[list[_Token]] = []
    current: list[_Token] = []
    width = 0
    for piece in _split_on(tokens, SEPARATORS[level]):
        piece_width = _width(piece)
        if current and width + len(separator) + piece_width <= limit:
            current += separator + piece
            width += len(separator) + piece_width
            continue
        if current:
            parts.append(current)
        sub = _pack(piece, limit, level + 1) if piece_width > limit else [piece]
        parts += sub[:-1]
        current, width = sub[-1], _width(sub[-1])
    parts.append(current)
    return parts


def _split_on(tokens: list[_Token], separator: str) -> list[list[_Token]]:
    """Split a token list wherever the plain characters of `separator` occur in a row."""
    pieces: list[list[_Token]] = [[]]
    n = len(separator)
    i = 0
    while i < len(tokens):
        if "".join(t.raw if t.tag is None else "\0" for t in tokens[i : i + n]) == separator:
            pieces.append([])
            i += n
            continue
        pieces[-1].append(tokens[i])
        i += 1
    return pieces


def _cut(tokens: list[_Token], limit: int) -> list[list[_Token]]:
    """Cut between tokens, so never inside a tag, an entity or a surrogate pair."""
    parts: list[list[_Token]] = [[]]
    width = 0
    for token in tokens:
        if width + token.width > limit:
            parts.append([])
            width = 0
        parts[-1].append(token)
        width += token.width
    return parts


def _balance(parts: list[list[_Token]]) -> list[str]:
    """Close the tags still open at the end of a part and reopen them at the next one."""
    result = []
    open_tags: list[str] = []
    for part in parts:
        chunks = [f"<{name}>" for name in open_tags]
        for token in part:
            if token.tag is not None:
                _track(open_tags, token)
            chunks.append(token.raw)
        chunks += [f"</{name}>" for name in reversed(open_tags)]
        result.append("".join(chunks))
    return result


def _track(open_tags: list[str], token: _Token) -> None:
    assert token.tag is not None
    if not token.closing:
        open_tags.append(token.tag)
    elif open_tags and open_tags[-1] == token.tag:
        open_tags.pop()
    else:
        raise ValueError(f"unbalanced {token.raw!r} in HTML")
