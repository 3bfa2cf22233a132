"""Prompts as data: the lines of a question and its buttons, before any language is chosen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from conversations.steps import (
    CATEGORIES,
    CONFIDENTIALITY,
    HARM,
    PERIOD_LABELS,
    STEPS,
    TOLD,
    Context,
    Step,
    harm_choice,
    is_incident,
    label_for,
)
from core.text import N_, Field, Line, Msg, Param, utf16_len, utf16_prefix

# Long answers are shortened in the summary so the whole summary stays one Telegram message:
# a limit in UTF-16 code units, as Telegram measures a message (an emoji counts two).
SUMMARY_TEXT_LIMIT = 600


@dataclass(frozen=True)
class Button:
    """A button: `code` is what the flow receives back, `label` what the worker sees."""

    code: str
    label: Msg | str
    selected: bool = False


@dataclass(frozen=True)
class Prompt:
    """One bot message: an optional notice, the lines, and rows of buttons."""

    step: str
    lines: tuple[Line, ...]
    rows: tuple[tuple[Button, ...], ...] = ()
    notice: Msg | None = None


def display(step_id: str, value: Any) -> Param:
    """How a stored answer reads back to the worker and in the summary."""
    if value is None:
        return Msg(N_("Skipped"))
    if step_id == "date":
        return date.fromisoformat(value)
    if step_id == "time":
        period = label_for(PERIOD_LABELS, value["period"])
        if value.get("at"):
            return Msg(N_("{time} ({part_of_day})"), {"time": value["at"], "part_of_day": period})
        return period
    if step_id == "category":
        return label_for(CATEGORIES, value)
    if step_id == "told":
        return tuple(label_for(TOLD, item) for item in value)
    if step_id == "harm":
        return label_for(HARM, harm_choice(value))
    if step_id == "confidentiality":
        return label_for(CONFIDENTIALITY, value)
    return shorten(str(value))


def shorten(text: str, limit: int = SUMMARY_TEXT_LIMIT) -> str:
    """Cut text longer than `limit` UTF-16 code units at a word boundary, marking the cut."""
    if utf16_len(text) <= limit:
        return text
    head = utf16_prefix(text, limit)
    cut = head.rsplit(" ", 1)[0] if " " in head else head
    return cut + " …"


def step_prompt(step: Step, answers: dict[str, Any], ctx: Context, *, position: int,
                notice: Msg | None, reviewing: bool) -> Prompt:
    """The question for one step, with its answer so far and its buttons."""
    choices = step.choices(ctx)
    lines: list[Line] = [Msg(N_("Question {number} of {total}"),
                             {"number": position, "total": len(STEPS)})]
    typed_only = not choices and step.typed_question is not None
    question = step.typed_question if typed_only else step.question
    if step.incident_question is not None and is_incident(answers):
        question = step.incident_question
    lines.append(Msg(question))
    answered = step.id in answers
    if answered:
        lines.append(Field(Msg(N_("Your answer so far")), display(step.id, answers[step.id])))
    selected = set(answers.get(step.id) or []) if step.kind == "multi" else set()
    buttons = [Button(f"c{i}", choice.label, choice.value in selected)
               for i, choice in enumerate(choices)]
    rows = [tuple(buttons[i:i + step.columns]) for i in range(0, len(buttons), step.columns)]
    rows.extend(_extra_rows(step, answered, position, reviewing))
    return Prompt(step.id, tuple(lines), tuple(rows), notice)


def _extra_rows(step: Step, answered: bool, position: int,
                reviewing: bool) -> list[tuple[Button, ...]]:
    rows: list[tuple[Button, ...]] = []
    if step.kind == "multi":
        rows.append((Button("done", Msg(N_("Done"))),))
    elif step.optional:
        rows.append((Button("skip", Msg(N_("Skip"))),))
    if answered and step.kind != "multi":
        rows.append((Button("keep", Msg(N_("Keep this answer"))),))
    navigation = [Button("cancel", Msg(N_("Cancel")))]
    if position > 1 or reviewing:
        navigation.insert(0, Button("back", Msg(N_("Back"))))
    rows.append(tuple(navigation))
    return rows


def confirm_cancel_prompt(notice: Msg | None) -> Prompt:
    """Ask before throwing a draft away."""
    return Prompt(
        "cancel",
        (Msg(N_("Discard this report? Your answers so far will be deleted.")),),
        ((Button("yes", Msg(N_("Yes, discard it"))), Button("no", Msg(N_("No, keep going")))),),
        notice,
    )
