"""core.split.split_message: parts Telegram accepts, cut where a reader expects.

(Here beside the sender, its one caller, until tests/learning/ exists.)
"""

from __future__ import annotations

import random

import pytest

from core.split import split_message, visible_length
from tests.helpers.fake_telegram import parse_html, utf16_len


def accepted(part: str, limit: int) -> str:
    """Parse a part as Telegram would; return its plain text, checking the limit."""
    plain = parse_html(part).plain  # raises on unbalanced tags or a cut entity
    assert utf16_len(plain) <= limit, part
    return plain


def test_a_short_message_is_one_part_unchanged() -> None:
    assert split_message("<b>Falls</b> &amp; trips") == ["<b>Falls</b> &amp; trips"]
    assert split_message("") == []


def test_a_ten_thousand_character_bulletin_becomes_three_parts() -> None:
    paragraph = "<b>Theme</b>: " + "staff noticed the risk &amp; acted early. " * 26
    bulletin = "\n\n".join([paragraph] * 10)
    assert 9_900 <= visible_length(bulletin) <= 10_100
    parts = split_message(bulletin)
    assert len(parts) == 3
    assert all(part.startswith("<b>Theme</b>") for part in parts)  # cut between paragraphs
    assert sum(part.count("<b>Theme</b>") for part in parts) == 10
    for part in parts:
        accepted(part, 4096)


def test_lines_then_words_when_a_paragraph_is_too_long() -> None:
    assert split_message("one two\nthree four", limit=12) == ["one two", "three four"]
    assert split_message("alpha beta gamma delta", limit=11) == ["alpha beta", "gamma delta"]


def test_a_tag_open_across_a_cut_is_closed_and_reopened() -> None:
    parts = split_message("<b>bold words <i>and italic words</i> go on</b> plain", limit=20)
    assert parts == [
        "<b>bold words <i>and</i></b>",
        "<b><i>italic words</i> go on</b>",
        "plain",
    ]


def test_entities_count_as_one_character_and_are_never_cut() -> None:
    text = "&lt;" * 10 + "&amp;" * 10
    parts = split_message(text, limit=6)
    assert "".join(parts) == text
    assert [accepted(part, 6) for part in parts] == ["<<<<<<", "<<<<&&", "&&&&&&", "&&"]


def test_length_is_counted_in_utf16_units_so_an_emoji_is_two() -> None:
    parts = split_message("🙂" * 5, limit=4)
    assert parts == ["🙂🙂", "🙂🙂", "🙂"]


@pytest.mark.parametrize("html", ['<a href="https://x">x</a>', "<pre>x</pre>", "1 < 2"])
def test_markup_it_cannot_split_safely_is_refused(html: str) -> None:
    with pytest.raises(ValueError):
        split_message(html)


def test_a_close_tag_without_its_open_tag_is_refused() -> None:
    with pytest.raises(ValueError):
        split_message("<b>bold</i>")


@pytest.mark.parametrize("seed", range(25))
def test_random_bulletins_split_into_accepted_parts_keeping_every_word(seed: int) -> None:
    rng = random.Random(seed)
    words = ["risk", "hoist", "&amp;", "<b>mats</b>", "<i>bed rails</i>", "&lt;3", "🙂ok"]
    seps = [" ", " ", " ", "\n", "\n\n"]
    html = "".join(rng.choice(words) + rng.choice(seps) for _ in range(rng.randint(1, 300)))
    limit = rng.randint(20, 200)
    plains = [accepted(part, limit) for part in split_message(html, limit)]
    assert " ".join(plains).split() == parse_html(html).plain.split()
