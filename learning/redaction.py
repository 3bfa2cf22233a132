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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date

import phonenumbers

from core.text import N_
from learning.names import STREET_TYPES
from learning.redaction_names import name_ranges

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


# Names (the rule lives in learning/redaction_names.py) ---------------------------------------

def _names(text: str) -> Iterator[Span]:
    for start, end in name_ranges(text):
        yield _span(text, start, end, "name")


def _span(text: str, start: int, end: int, kind: str) -> Span:
    return Span(start, end, kind, text[start:end])
