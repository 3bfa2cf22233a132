"""Dates and times as care workers type them."""

from datetime import date, datetime, time

import pytest

from conversations.parsing import (
    Invalid,
    check_free_text,
    check_not_future,
    parse_date,
    parse_time,
    period_of,
)

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(("typed", "expected"), [
    ("today", date(2026, 11, 22)),
    ("Today", date(2026, 11, 22)),
    ("  yesterday ", date(2026, 11, 21)),
    ("heddiw", date(2026, 11, 22)),
    ("ddoe", date(2026, 11, 21)),
    ("21/11", date(2026, 11, 21)),
    ("21/11/2026", date(2026, 11, 21)),
    ("21/11/26", date(2026, 11, 21)),
    ("1/2", date(2026, 2, 1)),
    ("21.11.2026", date(2026, 11, 21)),
    ("21-11-2026", date(2026, 11, 21)),
    ("2026-11-21", date(2026, 11, 21)),
    ("21 Nov", date(2026, 11, 21)),
    ("21 november", date(2026, 11, 21)),
    ("21st Nov 2026", date(2026, 11, 21)),
    ("Nov 21", date(2026, 11, 21)),
    ("3 Sept", date(2026, 9, 3)),
    ("21 Tachwedd", date(2026, 11, 21)),
    # No year given and the day is still to come this year: the worker means last year.
    ("25/12", date(2025, 12, 25)),
    ("30 Nov", date(2025, 11, 30)),
])
def test_dates_people_type(typed: str, expected: date) -> None:
    assert parse_date(typed, today=TODAY) == expected


@pytest.mark.parametrize(("typed", "reason"), [
    ("23/11/2026", "future"),
    ("tomorrow", "read"),
    ("2027-01-01", "future"),
    ("21/11/2025", "more than a year"),
    ("1 Jan 2020", "more than a year"),
    ("31/02/2026", "doesn't exist"),
    ("32/1", "doesn't exist"),
    ("21 Smarch", "read"),
    ("🙂", "read"),
    ("", "read"),
    ("last tuesday", "read"),
])
def test_dates_refused_with_a_reason(typed: str, reason: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_date(typed, today=TODAY)
    assert reason in refused.value.msg.msgid


@pytest.mark.parametrize(("typed", "expected"), [
    ("14:30", time(14, 30)),
    ("14.30", time(14, 30)),
    ("1430", time(14, 30)),
    ("09:05", time(9, 5)),
    ("2pm", time(14, 0)),
    ("2 pm", time(14, 0)),
    ("2:30pm", time(14, 30)),
    ("12am", time(0, 0)),
    ("12pm", time(12, 0)),
    ("11 a.m.", time(11, 0)),
    ("7yh", time(19, 0)),
    ("noon", time(12, 0)),
    ("midnight", time(0, 0)),
])
def test_times_people_type(typed: str, expected: time) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["25:00", "13pm", "14:75", "soon", "14", "🕑", "0pm"])
def test_times_refused(typed: str) -> None:
    with pytest.raises(Invalid):
        parse_time(typed)


@pytest.mark.parametrize(("moment", "period"), [
    (time(6), "morning"), (time(11, 59), "morning"), (time(12), "afternoon"),
    (time(17, 59), "afternoon"), (time(18), "evening"), (time(21, 59), "evening"),
    (time(22), "night"), (time(3), "night"), (time(5, 59), "night"),
])
def test_parts_of_the_day(moment: time, period: str) -> None:
    assert period_of(moment) == period


def test_a_time_later_than_now_today_is_refused() -> None:
    now = datetime(2026, 11, 22, 10, 0)
    with pytest.raises(Invalid, match="later than now"):
        check_not_future(TODAY, time(11, 0), "morning", now=now)
    with pytest.raises(Invalid, match="later than now"):
        check_not_future(TODAY, None, "evening", now=now)
    check_not_future(TODAY, None, "night", now=now)  # the small hours of today have passed
    check_not_future(date(2026, 11, 21), time(23, 0), "night", now=now)


@pytest.mark.parametrize(("typed", "problem"), [
    ("🙂🙂🙂🙂🙂🙂", "in words"),
    ("!!!", "in words"),
    ("ok", "short"),
    ("x" * 3001, "too long"),
])
def test_free_text_refused(typed: str, problem: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_free_text(typed, minimum=5, maximum=3000)
    assert problem in refused.value.msg.msgid


def test_free_text_keeps_what_the_worker_wrote() -> None:
    typed = "  Sent to A&E <3 times\nthen <b>nothing</b>\x00  "
    assert check_free_text(typed, minimum=5, maximum=3000) == (
        "Sent to A&E <3 times\nthen <b>nothing</b>")
