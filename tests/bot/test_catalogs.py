"""Every user-facing string is in every shipped language, and the template matches the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from core.i18n import Translator
from core.settings import locales_dir

ROOT = Path(__file__).resolve().parents[2]
LOCALES = locales_dir()
SHIPPED = sorted(path.name for path in LOCALES.iterdir() if (path / "LC_MESSAGES").is_dir())
PLACEHOLDER = re.compile(r"{(\w+)}")


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _source_msgids() -> set[str | tuple[str, str]]:
    """Every msgid in the code and templates, read with the same babel.cfg as `make catalogs`
    (a msgid with a plural as the pair)."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = extract_from_dir(str(ROOT), method_map=method_map, options_map=options_map,
                             keywords={"N_": None, "NP_": (1, 2), "_": None})
    return {message if isinstance(message, str) else tuple(message)
            for _, _, message, _, _ in found if message}


def test_english_and_welsh_are_shipped() -> None:
    assert {"en", "cy"} <= set(SHIPPED)


def test_the_template_holds_every_msgid_in_the_code() -> None:
    template = {message.id for message in _catalog(LOCALES / "messages.pot") if message.id}
    in_code = _source_msgids()
    assert in_code - template == set(), "run `make catalogs`: msgids missing from messages.pot"
    assert template - in_code == set(), "run `make catalogs`: stale msgids in messages.pot"


@pytest.mark.parametrize("language", SHIPPED)
def test_every_msgid_is_translated(language: str) -> None:
    catalog = _catalog(LOCALES / language / "LC_MESSAGES" / "messages.po")
    translated = {message.id: message for message in catalog if message.id}
    template = {message.id for message in _catalog(LOCALES / "messages.pot") if message.id}
    missing = sorted(template - set(translated))
    empty = sorted(str(msgid) for msgid, message in translated.items()
                   if msgid in template and (not all(_forms(message.string)) or message.fuzzy))
    assert missing == [], f"{language}: msgids missing from the catalog"
    assert empty == [], f"{language}: msgids left empty or fuzzy"


@pytest.mark.parametrize("language", SHIPPED)
def test_translations_keep_their_placeholders(language: str) -> None:
    catalog = _catalog(LOCALES / language / "LC_MESSAGES" / "messages.po")
    for message in catalog:
        if not message.id:
            continue
        source = _forms(message.id)[0]
        for string in _forms(message.string):  # every plural form keeps them too
            assert sorted(PLACEHOLDER.findall(source)) == sorted(
                PLACEHOLDER.findall(string)), f"{language}: {message.id!r}"
            values = {name: "x" for name in PLACEHOLDER.findall(source)}
            string.format(**values)  # a stray brace would break the bot at run time


def _forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    """A message's text as its forms: one, or one per plural form."""
    return (text,) if isinstance(text, str) else tuple(text)


def test_the_translator_falls_back_sensibly() -> None:
    translator = Translator(LOCALES, "en")
    assert translator.choose(None, "cy") == "cy"
    assert translator.choose(None, "en-GB") == "en"
    assert translator.choose(None, "pl") == "en"
    assert translator.choose("cy", "en") == "cy"
    assert translator.choose(None, None) == "en"
    assert translator.native_name("cy") == "Cymraeg"
    assert translator.gettext("Today", "cy") != "Today"
