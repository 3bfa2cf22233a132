"""Translate at the edge: catalogs, the reader's language, and Msg -> Telegram HTML."""

from __future__ import annotations

import html
from datetime import date
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from core.text import Field, Line, Msg, Param

DOMAIN = "messages"
# Babel formats dates for a region; our source language is British English.
FORMAT_LOCALES = {"en": "en_GB", "cy": "cy_GB"}


def compile_catalogs(path: Path) -> list[Path]:
    """Compile every .po whose .mo is missing or older, so a fresh checkout just runs."""
    compiled = []
    for po_path in sorted(path.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=po_path.parent.parent.name)
        buffer = BytesIO()
        write_mo(buffer, catalog)
        mo_path.write_bytes(buffer.getvalue())
        compiled.append(mo_path)
    return compiled


class Translator:
    """Chooses a language for a person and renders messages in it."""

    def __init__(self, path: Path, default: str) -> None:
        compile_catalogs(path)
        self.i18n = I18n(path=path, default_locale=default, domain=DOMAIN)
        if default not in self.i18n.available_locales:
            raise ValueError(f"DEFAULT_LANGUAGE {default!r} has no catalog; shipped languages: "
                             f"{', '.join(self.languages)}")
        self.default = default

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self.i18n.available_locales))

    def choose(self, saved: str | None, telegram_code: str | None) -> str:
        """The saved choice, else Telegram's language when we have it, else the default."""
        for candidate in (saved, (telegram_code or "").split("-")[0].lower()):
            if candidate and candidate in self.i18n.available_locales:
                return candidate
        return self.default

    def native_name(self, language: str) -> str:
        """A language's own name for itself, for the /language buttons."""
        name = Locale.parse(language).get_display_name(language) or language
        return name[:1].upper() + name[1:]

    def gettext(self, msgid: str, language: str) -> str:
        return self.i18n.gettext(msgid, locale=language)

    def text(self, item: Msg | Line, language: str) -> str:
        """Render for a message body: translated, user words escaped for Telegram HTML."""
        if isinstance(item, Field):
            label = html.escape(self.gettext(item.label.msgid, language), quote=False)
            return f"<b>{label}:</b> {self._param(item.value, language, True)}"
        return self._format(item, language, escape=True)

    def label(self, item: Msg | str, language: str) -> str:
        """Render for a button label: plain text, nothing to escape."""
        return item if isinstance(item, str) else self._format(item, language, escape=False)

    def _format(self, msg: Msg, language: str, escape: bool) -> str:
        template = (self.i18n.gettext(msg.msgid, msg.plural, msg.n, locale=language)
                    if msg.plural else self.gettext(msg.msgid, language))
        if escape:
            template = html.escape(template, quote=False)
        if not msg.params:
            return template
        values = {key: self._param(value, language, escape) for key, value in msg.params.items()}
        return template.format(**values)

    def _param(self, value: Param, language: str, escape: bool) -> str:
        if isinstance(value, Msg):
            return self._format(value, language, escape)
        if isinstance(value, tuple):
            return ", ".join(self._format(item, language, escape) for item in value)
        if isinstance(value, bool | int):
            return _number(int(value), FORMAT_LOCALES.get(language, language))
        if isinstance(value, date):
            return _day(value, FORMAT_LOCALES.get(language, language))
        return html.escape(value, quote=False) if escape else value


# Babel works out the locale's pattern on every call (and the date question shows four dates);
# a person sees the same few numbers and days over and over.
@lru_cache(maxsize=1024)
def _number(value: int, locale: str) -> str:
    return format_decimal(value, locale=locale)


@lru_cache(maxsize=1024)
def _day(value: date, locale: str) -> str:
    return format_date(value, format="full", locale=locale)
