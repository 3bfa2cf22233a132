"""Learning flashes: composed from a curated report's de-identified parts, sent as HTML.

Only what a reviewer wrote for sharing goes in (the redacted summary, the redacted "how it was
prevented", the actions agreed): never the worker's own words, never who reported.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.text import N_

Gettext = Callable[..., str]


class NotReadyToShare(ValueError):
    """The report has no redacted summary yet, so there is nothing safe to share."""


@dataclass(frozen=True)
class SharedParts:
    """The parts of a curated report that a reviewer has made safe to share."""

    category: str  # already in the reader's language
    redacted_summary: str | None
    redacted_prevented: str | None
    actions: Sequence[str]


def compose_flash(parts: SharedParts, _: Gettext) -> tuple[str, str]:
    """A draft title and plain-text body for the reviewer to edit before approving."""
    if not (parts.redacted_summary or "").strip():
        raise NotReadyToShare(N_("Write the redacted summary first: bulletins share only that, "
                                 "never the worker's own words."))
    title = _("Learning from a near miss: {category}", category=parts.category)
    sections = [_("What nearly happened: {summary}", summary=parts.redacted_summary.strip())]
    if (parts.redacted_prevented or "").strip():
        sections.append(_("How it was prevented: {prevented}",
                          prevented=parts.redacted_prevented.strip()))
    if parts.actions:
        lines = "\n".join(f"• {action.strip()}" for action in parts.actions)
        sections.append(_("What we are changing:") + "\n" + lines)
    sections.append(_("Thank you to everyone who speaks up about near misses."))
    return title, "\n\n".join(sections)


def render_html(title: str, body: str) -> str:
    """Telegram HTML: the title in bold, every written word escaped."""
    return f"<b>{html.escape(title, quote=False)}</b>\n\n{html.escape(body, quote=False)}"
