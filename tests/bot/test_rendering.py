"""A question or summary always renders as a message Telegram accepts: within 4,096 UTF-16 code
units of visible text, whatever the answers quoted in it."""

from __future__ import annotations

from bot.rendering import TEXT_LIMIT, render, telegram_length
from conversations import N_, Field, Msg, Prompt
from core.i18n import Translator
from core.settings import locales_dir


def _prompt(*values: str) -> Prompt:
    lines = (Msg(N_("Please check your report before you send it.")),
             *(Field(Msg(N_("What nearly happened")), value) for value in values))
    return Prompt("review", lines)


def test_telegram_length_counts_visible_text_in_utf16_units() -> None:
    assert telegram_length("<b>A &amp; B:</b> 😀 &lt;i&gt;") == len("A & B: ") + 2 + len(" <i>")


def test_answers_that_would_pass_telegrams_limit_are_quoted_shorter() -> None:
    translator = Translator(locales_dir(), "en")
    # Eight answers already cut to the summary's 600 units: together far past 4,096.
    rendered = render(_prompt(*("😀" * 300 for _ in range(8))), translator, "en")
    assert telegram_length(rendered.text) <= TEXT_LIMIT
    quoted = rendered.text.split("\n\n")[1].split("\n")
    assert len(quoted) == 8 and all("😀" * 100 in line and line.endswith(" …")
                                    for line in quoted)


def test_a_message_that_fits_is_left_as_it_is() -> None:
    translator = Translator(locales_dir(), "cy")
    rendered = render(_prompt("😀" * 300, "short"), translator, "cy")
    assert rendered.text.count("😀") == 300 and "…" not in rendered.text
