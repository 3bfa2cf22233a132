"""Heads-ups: who hears of an alert by its scope, and its wording in each language (plural
forms through ngettext), with no words from the reports."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.heads_ups import audience, heading, span
from core.i18n import Translator
from core.settings import locales_dir
from storage.models import PatternAlert, Team

TEAM = Team(id=4, name="Rosewood House", language="en")


def _alert(scope: str, *, count: int = 3, days: int = 19, **fields: object) -> PatternAlert:
    return PatternAlert(scope=scope, report_count=count,
                        first_date=datetime(2026, 3, 1, tzinfo=UTC),
                        last_date=datetime(2026, 3, days, tzinfo=UTC), **fields)


def test_each_scope_has_its_audience() -> None:
    assert audience(_alert("place", team_id=4, place="Lounge"), [4, 4, 4]) == [4]
    assert audience(_alert("team", team_id=4), [4]) == [4]
    assert audience(_alert("time", hour=20), [7, 4, 7]) == [4, 7]
    assert audience(_alert("organisation"), [1, 2, 3]) == []  # administrators only


def test_spans_are_days_then_weeks() -> None:
    translator = Translator(locales_dir(), "en")
    assert translator.text(span(date(2026, 3, 1), date(2026, 3, 1)), "en") == "1 day"
    assert translator.text(span(date(2026, 3, 1), date(2026, 3, 7)), "en") == "7 days"
    assert translator.text(span(date(2026, 3, 1), date(2026, 3, 19)), "en") == "3 weeks"


def test_the_heading_in_english_and_welsh() -> None:
    translator = Translator(locales_dir(), "en")
    place = _alert("place", team_id=4, place="Lounge")
    assert translator.text(heading(place, TEAM), "en") == (
        "3 similar near misses in 3 weeks at Lounge; a reviewer is looking at them.")
    assert translator.text(heading(_alert("team", team_id=4, count=1, days=1), TEAM),
                           "en") == ("1 similar near miss in 1 day across Rosewood House; a "
                                     "reviewer is looking at it.")
    assert translator.text(heading(_alert("time", hour=8, count=4), TEAM), "en") == (
        "4 similar near misses in 3 weeks at about 08:00 in different places; a reviewer is "
        "looking at them.")
    assert translator.text(heading(place, TEAM), "cy") == (
        "3 achos bron â digwydd tebyg mewn 3 wythnos yn Lounge; mae adolygydd yn edrych "
        "arnyn nhw.")
