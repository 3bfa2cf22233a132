"""Parsing and validation of typed answers. Each parser returns a value or raises Invalid."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta

from core.text import N_, Msg


class Invalid(ValueError):
    """An answer the step cannot accept; carries the polite explanation to show."""

    def __init__(self, msg: Msg) -> None:
        super().__init__(msg.msgid)
        self.msg = msg


MAX_AGE_DAYS = 365

_RELATIVE_DAYS = {
    "today": 0, "heddiw": 0, "now": 0, "tonight": 0,
    "yesterday": 1, "ddoe": 1, "last night": 1, "neithiwr": 1,
}

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    # Welsh month names, as Welsh-speaking staff type them.
    "ion": 1, "chw": 2, "maw": 3, "ebr": 4, "mai": 5, "meh": 6,
    "gor": 7, "aws": 8, "med": 9, "hyd": 10, "tach": 11, "rhag": 12,
}

_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([^\W\d_]+)\.?(?:\s+(\d{4}))?$")
_MONTH_DAY = re.compile(r"^([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?(?:\s+(\d{4}))?$")


def parse_date(text: str, *, today: date) -> date:
    """Read a date as a care worker types it; refuse the future and more than a year back."""
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in _RELATIVE_DAYS:
        return today - timedelta(days=_RELATIVE_DAYS[cleaned])
    parts = _date_parts(cleaned)
    if parts is None:
        raise Invalid(Msg(N_("I couldn't read that date. Please type it like 21/11 or 21 Nov.")))
    day, month, year = parts
    candidate = _complete(day, month, year, today)
    if candidate > today:
        raise Invalid(Msg(N_("That date is in the future. Please give the date it happened.")))
    if (today - candidate).days > MAX_AGE_DAYS:
        raise Invalid(Msg(N_("That is more than a year ago. Please report recent near misses "
                             "here, and tell your manager about older ones.")))
    return candidate


def _date_parts(cleaned: str) -> tuple[int, int, int | None] | None:
    if m := _ISO.match(cleaned):
        return int(m[3]), int(m[2]), int(m[1])
    if m := _NUMERIC.match(cleaned):
        year = int(m[3]) if m[3] else None
        if year is not None and year < 100:
            year += 2000
        return int(m[1]), int(m[2]), year
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        if m := pattern.match(cleaned):
            month = _month_number(m[month_group])
            if month is None:
                return None
            return int(m[day_group]), month, int(m[3]) if m[3] else None
    return None


def _month_number(word: str) -> int | None:
    for length in (4, 3):
        if (month := _MONTHS.get(word[:length])) is not None:
            return month
    return None


def _complete(day: int, month: int, year: int | None, today: date) -> date:
    """Build the date; with no year, the most recent such day (21/11 in January: last year)."""
    try:
        if year is not None:
            return date(year, month, day)
        candidate = date(today.year, month, day)
        return candidate if candidate <= today else date(today.year - 1, month, day)
    except ValueError:
        raise Invalid(Msg(N_("That date doesn't exist. Please check the day and month."))) from None


PERIODS = ("morning", "afternoon", "evening", "night")
# The earliest clock time of each part of the day, for "is this later than now?".
_PERIOD_START = {"morning": time(6), "afternoon": time(12), "evening": time(18), "night": time(0)}

_CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|yb|yh)?$")
_COMPACT = re.compile(r"^(\d{2})(\d{2})$")
_WORDS = {"noon": time(12), "midday": time(12), "canol dydd": time(12),
          "midnight": time(0), "canol nos": time(0)}


def parse_time(text: str) -> time:
    """Read a clock time: 14:30, 14.30, 1430, 2pm, 2:30 pm, noon."""
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in _WORDS:
        return _WORDS[cleaned]
    if m := _COMPACT.match(cleaned):
        hour, minute, suffix = int(m[1]), int(m[2]), None
    elif m := _CLOCK.match(cleaned):
        hour, minute, suffix = int(m[1]), int(m[2] or 0), m[3]
        if suffix is None and m[2] is None:
            raise Invalid(Msg(N_("Please add the minutes or am/pm, for example 14:00 or 2pm.")))
    else:
        raise Invalid(Msg(N_("I couldn't read that time. Please type it like 14:30 or 2pm, "
                             "or tap a part of the day.")))
    if suffix:
        if not 1 <= hour <= 12:
            raise Invalid(Msg(N_("That time doesn't exist. Please check the hour.")))
        hour = hour % 12 + (12 if suffix in ("pm", "p.m.", "yh") else 0)
    if hour > 23 or minute > 59:
        raise Invalid(Msg(N_("That time doesn't exist. Please check the hour.")))
    return time(hour, minute)


def period_of(moment: time) -> str:
    """The part of the day a clock time falls in."""
    if time(6) <= moment < time(12):
        return "morning"
    if time(12) <= moment < time(18):
        return "afternoon"
    if time(18) <= moment < time(22):
        return "evening"
    return "night"


def check_not_future(day: date, moment: time | None, period: str, *, now: datetime) -> None:
    """Refuse a time later than now on today's date."""
    if day != now.date():
        return
    earliest = moment if moment is not None else _PERIOD_START[period]
    if earliest > now.time():
        raise Invalid(Msg(N_("That time is later than now. Please give the time it happened.")))


def clean_text(text: str) -> str:
    """Drop control characters (keeping line breaks) and surrounding space."""
    kept = (ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return "".join(kept).strip()


def has_words(text: str) -> bool:
    """True when the text has a letter or digit: a lone emoji or punctuation is not an answer."""
    return any(ch.isalnum() for ch in text)


def check_free_text(text: str, *, minimum: int, maximum: int) -> str:
    """Validate a free-text answer's length and substance; return it cleaned."""
    cleaned = clean_text(text)
    if not has_words(cleaned):
        raise Invalid(Msg(N_("Please answer in words, so a reviewer can understand it.")))
    if len(cleaned) < minimum:
        raise Invalid(Msg(N_("That's a bit short. Please write at least {minimum} characters."),
                          {"minimum": minimum}))
    if len(cleaned) > maximum:
        raise Invalid(Msg(N_("That's too long for one answer ({length} characters; the limit is "
                             "{maximum}). Please shorten it."),
                          {"length": len(cleaned), "maximum": maximum}))
    return cleaned
