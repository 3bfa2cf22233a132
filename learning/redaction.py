"""First-pass redaction suggestions: where a worker's own words may identify someone.

Bulletins share only the reviewer's redacted summary, never the worker's words. To save the
reviewer retyping, `find()` marks likely personal details and `redact()` swaps each for a
placeholder; the reviewer reads, corrects and saves the result. It is a documented rule set
(plus Google's libphonenumber for phone numbers), not a model: it is a suggestion a person must
check, never a guarantee that the text is safe to share.

What it marks:
- phone: numbers libphonenumber (`phonenumbers`, region GB) finds that are written the British
  way, starting with 0, + or "(", with 10 to 15 digits.
- nhs_number: 10 digits, together or spaced or dashed 3-3-4, that pass the NHS modulus 11 check.
  Ten digits that fail it are not an NHS number (they may still be a phone number).
- date_of_birth: a full date (12/03/1941, 12.3.41, 12 March 1941, 12th Mar 1941, March 12 1941,
  1941-03-12)
  right after a birth cue (DOB, D.O.B., date of birth, born, birthday), or any full date more
  than 16 years before today: the date of a care incident is recent, an old one is most often
  a birthday. "Aged 85" is not marked.
- address: UK postcodes, and a house number + up to three capitalised words + a street type
  ("14 Elm Road", "3 St Mary's Close"), with a following town and postcode joined on. A number
  after Room, Bed, Flat or Ward is a place in the service, not an address.
- name: a title and the capitalised words after it ("Mrs Jones", "Dr A. Khan", "Nurse Adams");
  a first name from learning/names.py with an optional capitalised surname ("Priya",
  "Siobhan O'Neill"); a capitalised word with a possessive in mid-sentence ("gave Khan's
  tablets": the "'s" is kept). Care words (Lounge, MAR, GP, Monday, Warfarin, Mum...) are never
  names. Names that are also words or months (Rose, Grace, May, Mark) are not marked before a
  place word ("Rose Lane", "Holly Ward"), next to a date ("3 May", "in June") or at the start
  of a sentence before "the", "you" and the like ("Mark the chart").

What it misses, by design or for now: names typed in lower case ("mrs brown"), first names not
in the list and without a title or possessive, nicknames and initials alone, a street without a
house number, towns, dates of birth written without a day ("born in 1947"), partial dates, and
anything else that identifies a person by description ("the only resident with a guide dog").
bench/redaction_bench.py measures recall and precision on tests/learning/redaction_cases.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import phonenumbers

from conversations import N_
from learning.names import (
    FIRST_NAMES,
    MONTH_NAMES,
    NOT_NAMES,
    PLACE_WORDS,
    STREET_TYPES,
    TITLES,
    WORD_NAMES,
)

KINDS = ("name", "phone", "nhs_number", "date_of_birth", "address")
# Placeholders are msgids: a redacted summary is written in the reviewer's language and shared
# with teams in theirs, so "[name]" must read as Welsh in a Welsh reviewer's draft.
PLACEHOLDERS = {"name": N_("[name]"), "phone": N_("[phone]"), "nhs_number": N_("[NHS number]"),
                "date_of_birth": N_("[date of birth]"), "address": N_("[address]")}
# Where two suggestions overlap, the more specific kind wins, then the longer span.
_PRIORITY = {"nhs_number": 0, "date_of_birth": 1, "address": 2, "phone": 3, "name": 4}
BIRTHDAY_AGE_YEARS = 16


@dataclass(frozen=True)
class Span:
    """One suggested redaction: text[start:end] is a `kind` of personal detail."""

    start: int
    end: int
    kind: str
    text: str


def find(text: str, *, today: date | None = None) -> list[Span]:
    """Likely personal details in `text`, sorted and never overlapping."""
    today = today or date.today()
    candidates = [*_nhs_numbers(text), *_dates_of_birth(text, today), *_addresses(text),
                  *_phones(text), *_names(text)]
    chosen: list[Span] = []
    for span in sorted(candidates, key=lambda s: (_PRIORITY[s.kind], s.start - s.end, s.start)):
        if all(span.end <= other.start or span.start >= other.end for other in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def redact(text: str, spans: Iterable[Span], gettext: Callable[[str], str] | None = None) -> str:
    """`text` with each span replaced by its placeholder, translated when `gettext` is given.

    Overlapping spans are merged into the first one's placeholder, so no marked character leaks.
    """
    translate = gettext or (lambda msgid: msgid)
    parts: list[str] = []
    position = 0
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.start < position:
            position = max(position, span.end)
            continue
        parts += [text[position:span.start], translate(PLACEHOLDERS[span.kind])]
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


# NHS numbers ---------------------------------------------------------------------------------

_NHS = re.compile(r"(?<![\d+])(\d{3})([ -]?)(\d{3})\2(\d{4})(?!\d)")


def nhs_number_valid(digits: str) -> bool:
    """The NHS modulus 11 check: weights 10..2 on the first nine digits give the tenth."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    check = 11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=False)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _nhs_numbers(text: str) -> Iterator[Span]:
    for match in _NHS.finditer(text):
        if nhs_number_valid(match[1] + match[3] + match[4]):
            yield _span(text, match.start(), match.end(), "nhs_number")


# Phone numbers ------------------------------------------------------------------------------

def _phones(text: str) -> Iterator[Span]:
    # POSSIBLE, not VALID: libphonenumber rejects Ofcom's drama ranges and numbers newer than
    # its data, but a written-down number is personal whether or not it is allocated.
    for match in phonenumbers.PhoneNumberMatcher(text, "GB",
                                                 leniency=phonenumbers.Leniency.POSSIBLE):
        digits = sum(char.isdigit() for char in match.raw_string)
        if match.raw_string[0] in "0+(" and 10 <= digits <= 15:
            yield _span(text, match.start, match.end, "phone")


# Dates of birth -----------------------------------------------------------------------------

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
          r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DATES = (
    re.compile(r"(?<![\d/.-])(?P<day>\d{1,2})(?P<sep>[/.-])(?P<month>\d{1,2})(?P=sep)"
               r"(?P<year>\d{4}|\d{2})(?!\d|[/.-]\d)"),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+"
               r"(?P<year>\d{4}|'\d{2})(?![\d:.]\d)", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})\b",
               re.IGNORECASE),
    re.compile(r"(?<![\d/.-])(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?!\d|[/.-]\d)"),
)
_BIRTH_CUE = re.compile(r"(?:\bd\.?\s?o\.?\s?b\b\.?|\bdate of birth|\bbirth ?date|\bborn"
                        r"|\bbirthday)[\s:,(-]*(?:(?:is|was|on|of|the)\s+)*$", re.IGNORECASE)


def _dates_of_birth(text: str, today: date) -> Iterator[Span]:
    try:
        cutoff = today.replace(year=today.year - BIRTHDAY_AGE_YEARS)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - BIRTHDAY_AGE_YEARS, day=28)
    for pattern in _DATES:
        for match in pattern.finditer(text):
            when = _date(match, today)
            if when is None or when > today:
                continue
            if when < cutoff or _BIRTH_CUE.search(text[max(0, match.start() - 30):match.start()]):
                yield _span(text, match.start(), match.end(), "date_of_birth")


def _date(match: re.Match[str], today: date) -> date | None:
    groups = match.groupdict()
    month = (int(groups["month"]) if groups.get("month")
             else _MONTHS.index(groups["mon"][:3].lower()) + 1)
    year = int(groups["year"].lstrip("'"))
    if year < 100:  # two digits: the most recent such year that is not in the future
        year += 2000 if year <= today.year % 100 else 1900
    try:
        return date(year, month, int(groups["day"]))
    except ValueError:
        return None


# Addresses ----------------------------------------------------------------------------------

_POSTCODE = (r"(?:GIR ?0AA|[A-PR-UWYZ](?:\d[A-HJKPSTUW\d]?|[A-HK-Y]\d[ABEHMNPRVWXY\d]?)"
             r" ?\d[ABD-HJLNP-UW-Z]{2})")
_POSTCODE_ALONE = re.compile(rf"\b{_POSTCODE}\b")
_STREET_TYPE = "|".join(sorted((word.capitalize() for word in STREET_TYPES), key=len,
                               reverse=True))
_STREET = re.compile(r"(?<![\w/.:,-])\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][\w'’.-]*\s+){1,3}?"
                     rf"(?:{_STREET_TYPE})\b")
_TOWN_AND_POSTCODE = re.compile(rf",?\s+(?:[A-Z][a-z]+(?:[ -][A-Z][a-z]+)?,?\s+)?{_POSTCODE}\b")
_NOT_A_HOUSE = re.compile(r"\b(?:room|rm|bed|bay|flat|ward|floor|unit|table|no|number)\.?\s*$",
                          re.IGNORECASE)


def _addresses(text: str) -> Iterator[Span]:
    for match in _POSTCODE_ALONE.finditer(text):
        yield _span(text, match.start(), match.end(), "address")
    for match in _STREET.finditer(text):
        if _NOT_A_HOUSE.search(text[:match.start()]):
            continue
        tail = _TOWN_AND_POSTCODE.match(text, match.end())
        yield _span(text, match.start(), tail.end() if tail else match.end(), "address")


# Names --------------------------------------------------------------------------------------

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


def _names(text: str) -> Iterator[Span]:
    words = _words(text)
    index = 0
    while index < len(words):
        word = words[index]
        last = _name_at(text, words, index) if word.capitalised else None
        if last is None:
            index += 1
            continue
        yield _span(text, word.start, words[last].end, "name")
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


def _span(text: str, start: int, end: int, kind: str) -> Span:
    return Span(start, end, kind, text[start:end])
