"""The weekly team digest: what a team reported, what changed, and what we learned.

Only shareable words go in: counts, category and place names, actions and their outcome
evidence (reviewers' words), and redacted summaries. Never a worker's own text or identity.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_date

from core.text import N_
from learning.bulletins import Gettext

TOP = 3
LEARNING_POINTS = 2
# Babel formats dates for a region; our source language is British English.
_FORMAT_LOCALES = {"en": "en_GB", "cy": "cy_GB"}


@dataclass(frozen=True)
class Count:
    """One line of a top-3 list: a label (a msgid or a plain name) and how many reports."""

    label: str
    count: int


@dataclass(frozen=True)
class RepeatTheme:
    """Several reports of one kind at one place within 30 days."""

    category: str  # a msgid or a plain name, translated when composed
    place: str
    count: int


@dataclass(frozen=True)
class CompletedAction:
    """An improvement action finished in the period, with what changed."""

    description: str
    evidence: str | None


@dataclass(frozen=True)
class DigestData:
    """Everything one team's digest says; start inclusive, end exclusive (local dates)."""

    team: str
    start: date
    end: date
    reports: int
    language: str = "en"
    categories: Sequence[Count] = ()
    places: Sequence[Count] = ()
    themes: Sequence[RepeatTheme] = ()
    actions: Sequence[CompletedAction] = ()
    learning: Sequence[str] = field(default=())  # redacted summaries only


def _text(_: Gettext, msgid: str, **params: object) -> str:
    """Translate, then escape the template and every value for Telegram HTML."""
    template = html.escape(_(msgid), quote=False)
    values = {key: html.escape(str(value), quote=False) for key, value in params.items()}
    return template.format(**values) if values else template


def _section(heading: str, lines: Sequence[str]) -> str:
    return f"<b>{heading}</b>\n" + "\n".join(f"• {line}" for line in lines)


def _when(data: DigestData) -> str:
    locale = _FORMAT_LOCALES.get(data.language, data.language)
    last = date.fromordinal(data.end.toordinal() - 1)
    return f"{format_date(data.start, 'd MMM', locale=locale)} – " \
           f"{format_date(last, 'd MMM yyyy', locale=locale)}"


def _counts(_: Gettext, data: DigestData) -> list[str]:
    sections = [_text(_, N_("Near misses reported: {count}"), count=data.reports)]
    if data.categories:
        sections.append(_section(_text(_, N_("Most common kinds")), [
            _text(_, N_("{label}: {count}"), label=_(c.label), count=c.count)
            for c in data.categories[:TOP]]))
    if data.places:
        sections.append(_section(_text(_, N_("Where they happened")), [
            _text(_, N_("{label}: {count}"), label=c.label, count=c.count)
            for c in data.places[:TOP]]))
    if data.themes:
        sections.append(_section(_text(_, N_("Happening again")), [
            _text(_, N_("{category} at {place}: {count} reports in 30 days"),
                  category=_(t.category), place=t.place, count=t.count)
            for t in data.themes]))
    return sections


def _learning(_: Gettext, data: DigestData) -> list[str]:
    sections = []
    if data.actions:
        sections.append(_section(_text(_, N_("You said, we did")), [
            _text(_, N_("{action}: {evidence}"), action=a.description.strip(),
                  evidence=a.evidence.strip()) if (a.evidence or "").strip()
            else html.escape(a.description.strip(), quote=False)
            for a in data.actions]))
    summaries = [s.strip() for s in data.learning if s.strip()][:LEARNING_POINTS]
    if summaries:
        sections.append(_section(_text(_, N_("What we learned")),
                                 [html.escape(s, quote=False) for s in summaries]))
    return sections


def compose_digest(data: DigestData, _: Gettext) -> str:
    """The team's digest as Telegram HTML: a bold title, every word escaped."""
    title = _text(_, N_("Near-miss digest for {team}"), team=data.team)
    sections = [f"<b>{title}</b>\n{html.escape(_when(data), quote=False)}"]
    if data.reports:
        sections += _counts(_, data)
        sections += _learning(_, data)
        sections.append(_text(_, N_("Thank you for reporting. Every near miss you tell us "
                                    "about helps keep the people we support safe.")))
    else:
        # Silence would read as "nothing to do"; an empty week is when a nudge helps most.
        sections.append(_text(_, N_("No near misses were reported this week. Near misses "
                                    "happen in every service: telling us about one, however "
                                    "small, lets us put things right before anyone is hurt. "
                                    "Send /report to me in a private chat.")))
        sections += _learning(_, data)
    return "\n\n".join(sections)
