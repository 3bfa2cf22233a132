"""The names rule of the redaction suggestions (learning/redaction.py documents the rules).

Titles and what follows them, first names from learning/names.py with an optional surname,
and possessives mid-sentence; care words, months in date context and place names are not
names. Apart from the other rules because it is the largest, and the one most often tuned.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from learning.names import FIRST_NAMES, MONTH_NAMES, NOT_NAMES, PLACE_WORDS, TITLES, WORD_NAMES

_TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_POSSESSIVE = ("'s", "’s")
_NOT_AFTER_WORD_NAME = frozenset(
    "the a an this that these those you i we it he she they be have all your our my".split())
_NOT_SURNAMES_AFTER_TITLE = NOT_NAMES - PLACE_WORDS
_MONTH_CONTEXT = re.compile(r"(?:\d(?:st|nd|rd|th)?|\b(?:in|of|since|until|till|by|last|next|"
                            r"this|early|late|mid|from|during|before|after|end))\s+$",
                            re.IGNORECASE)


@dataclass(frozen=True)
class _Word:
    start: int
    end: int  # without a possessive 's
    word: str
    possessive: bool

    @property
    def lower(self) -> str:
        return self.word.lower()

    @property
    def capitalised(self) -> bool:
        return self.word[0].isupper()


def _words(text: str) -> list[_Word]:
    words = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        possessive = token.endswith(_POSSESSIVE) and len(token) > 2
        end = match.end() - 2 if possessive else match.end()
        words.append(_Word(match.start(), end, text[match.start():end], possessive))
    return words


def name_ranges(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each likely name in `text`, in order."""
    words = _words(text)
    index = 0
    while index < len(words):
        word = words[index]
        last = _name_at(text, words, index) if word.capitalised else None
        if last is None:
            index += 1
            continue
        yield word.start, words[last].end
        index = last + 1


def _name_at(text: str, words: Sequence[_Word], index: int) -> int | None:
    """The index of the last word of a name starting at words[index], or None."""
    word = words[index]
    if word.lower in TITLES and not word.possessive:
        return _after_title(text, words, index)
    if _first_name(word.lower):
        if not _plausible_first_name(text, words, index):
            return None
        following = _next(text, words, index)
        if not word.possessive and following is not None and _surname(text, words, following):
            return following
        return index
    if (word.possessive and word.lower not in NOT_NAMES and not _starts_sentence(text, word.start)
            and not _before_place(text, words, index)):
        return index
    return None


def _first_name(lower: str) -> bool:
    return lower in FIRST_NAMES or lower in WORD_NAMES or lower.split("-")[0] in FIRST_NAMES


def _after_title(text: str, words: Sequence[_Word], index: int) -> int | None:
    last = None
    position = _next(text, words, index, allow_dot=True)
    if position is not None and len(words[position].word) == 1 and words[position].capitalised:
        last, position = position, _next(text, words, position, allow_dot=True)  # an initial
    for _ in range(2):
        if position is None or not _surname(text, words, position, after_title=True):
            break
        last = position
        if words[position].possessive:
            break
        position = _next(text, words, position)
    return last if last is not None and len(words[last].word) > 1 else None


def _surname(text: str, words: Sequence[_Word], index: int, after_title: bool = False) -> bool:
    """After a title, place words are surnames too: Mrs Hall, Mr Lane, Dr Green."""
    word = words[index]
    not_names = _NOT_SURNAMES_AFTER_TITLE if after_title else NOT_NAMES
    return (word.capitalised and word.lower not in not_names and word.lower not in TITLES
            and not _before_place(text, words, index))


def _plausible_first_name(text: str, words: Sequence[_Word], index: int) -> bool:
    word = words[index]
    if _before_place(text, words, index):
        return False
    if word.lower not in WORD_NAMES:
        return True
    if word.lower in MONTH_NAMES and (_MONTH_CONTEXT.search(text[:word.start])
                                      or re.match(r"\s+\d", text[word.end:])):
        return False
    following = _next(text, words, index)
    return not (_starts_sentence(text, word.start) and following is not None
                and words[following].lower in _NOT_AFTER_WORD_NAME)


def _next(text: str, words: Sequence[_Word], index: int, allow_dot: bool = False) -> int | None:
    """The next word when only spaces (and, after a title or initial, a dot) come between."""
    if index + 1 >= len(words) or words[index].possessive:
        return None
    gap = text[words[index].end:words[index + 1].start]
    return index + 1 if re.fullmatch(r"\.? +" if allow_dot else " +", gap) else None


def _token_end(word: _Word) -> int:
    return word.end if not word.possessive else word.end + 2


def _before_place(text: str, words: Sequence[_Word], index: int) -> bool:
    if index + 1 >= len(words):
        return False
    gap = text[_token_end(words[index]):words[index + 1].start]
    return bool(re.fullmatch(r" +", gap)) and words[index + 1].lower in PLACE_WORDS


def _starts_sentence(text: str, index: int) -> bool:
    before = text[:index].rstrip(" \t\"'“‘(")
    return not before or before[-1] in ".!?:;\n"
