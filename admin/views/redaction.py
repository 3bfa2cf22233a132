"""The report page's first-pass redaction suggestion, for those who may read the worker's words.

learning/redaction.py marks likely names, phone and NHS numbers, dates of birth and addresses.
The page shows the worker's words with those marks, and fills the curation form's redacted
fields with the redacted text only when the reviewer asks for it and only while they are empty,
so a reviewer's own redaction is never overwritten and an unread suggestion is never saved.
Nothing is saved here: the reviewer checks, corrects and saves the form as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from conversations import N_
from learning.redaction import Span, find, redact
from storage.models import Report

KIND_LABELS = {"name": N_("Name"), "phone": N_("Phone number"), "nhs_number": N_("NHS number"),
               "date_of_birth": N_("Date of birth"), "address": N_("Address")}


@dataclass(frozen=True)
class Piece:
    """A run of the worker's text; `kind` is set when it is a suggested redaction."""

    text: str
    kind: str | None = None

    @property
    def label(self) -> str:
        """The kind as a msgid, for the mark's title."""
        return KIND_LABELS[self.kind] if self.kind else ""


@dataclass(frozen=True)
class Suggestion:
    """The marked words and what the redacted fields of the curation form start with."""

    happened: tuple[Piece, ...]
    prevented: tuple[Piece, ...]
    marks: int
    # What the form's redacted fields show: the reviewer's own when there is one; else the
    # suggestion once the reviewer asked for it, so nothing unread is saved by accident.
    redacted_summary: str
    redacted_prevented: str


def suggest(report: Report, gettext: Callable[[str], str], *, use: bool = False) -> Suggestion:
    """The suggestion for one report, placeholders in the reviewer's language; `use` fills the
    empty redacted fields with it (the reviewer tapped "Use this suggestion")."""
    happened = report.what_happened or ""
    prevented = report.how_prevented or ""
    happened_spans, prevented_spans = find(happened), find(prevented)
    return Suggestion(
        happened=_pieces(happened, happened_spans),
        prevented=_pieces(prevented, prevented_spans),
        marks=len(happened_spans) + len(prevented_spans),
        redacted_summary=report.redacted_summary or (
            redact(happened, happened_spans, gettext) if use else ""),
        redacted_prevented=report.redacted_prevented or (
            redact(prevented, prevented_spans, gettext) if use else ""))


def _pieces(text: str, spans: Sequence[Span]) -> tuple[Piece, ...]:
    pieces, position = [], 0
    for span in spans:
        if span.start > position:
            pieces.append(Piece(text[position:span.start]))
        pieces.append(Piece(span.text, span.kind))
        position = span.end
    if position < len(text):
        pieces.append(Piece(text[position:]))
    return tuple(pieces)
