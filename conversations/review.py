"""The summary before submitting, the last cross-check, and the finished answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from conversations import parsing
from conversations.parsing import Invalid
from conversations.prompts import Button, Prompt, display
from conversations.steps import CONFIDENTIALITY, STEPS, Context
from core.text import N_, Field, Line, Msg


def summary_prompt(answers: dict[str, Any], ctx: Context, notice: Msg | None = None) -> Prompt:
    """Every answer, a button per answer to change it, and Submit."""
    lines: list[Line] = [Msg(N_("Please check your report before you send it."))]
    lines += [Field(Msg(step.label), display(step.id, answers.get(step.id))) for step in STEPS]
    edits = [Button(f"edit:{step.id}", Msg(N_("Change: {field}"), {"field": Msg(step.label)}))
             for step in STEPS]
    rows = [tuple(edits[i:i + 2]) for i in range(0, len(edits), 2)]
    rows.append((Button("submit", Msg(N_("Submit report"))),))
    rows.append((Button("back", Msg(N_("Back"))), Button("cancel", Msg(N_("Cancel")))))
    return Prompt("review", tuple(lines), tuple(rows), notice)


def check(answers: dict[str, Any], ctx: Context) -> tuple[str, Msg] | None:
    """Find an answer that is missing or no longer valid; None when the report can go."""
    for step in STEPS:
        if step.id not in answers or (answers[step.id] is None and not step.optional):
            return step.id, Msg(N_("This question still needs an answer."))
    if not isinstance(answers["harm"], dict):
        return "harm", Msg(N_("This question still needs an answer."))
    if answers["confidentiality"] not in dict(CONFIDENTIALITY):
        return "confidentiality", Msg(N_("This question still needs an answer."))
    when = answers["time"]
    moment = time.fromisoformat(when["at"]) if when.get("at") else None
    try:
        parsing.check_not_future(date.fromisoformat(answers["date"]), moment, when["period"],
                                 now=ctx.now)
    except Invalid as problem:
        return "time", problem.msg
    return None


@dataclass(frozen=True)
class ReportAnswers:
    """A finished report, typed: what bot/ hands to storage/ on submit."""

    draft_key: str
    occurred_date: date
    occurred_time: time | None
    time_of_day: str
    place: str
    category: str
    what_happened: str
    how_prevented: str
    immediate_action: str | None
    told: tuple[str, ...]
    suggestions: str | None
    someone_harmed: bool
    safeguarding_concern: bool
    confidentiality: str  # "named", "confidential" or "anonymous"


def collect(key: str, answers: dict[str, Any]) -> ReportAnswers:
    """Turn a checked draft's answers into typed fields."""
    when = answers["time"]
    return ReportAnswers(
        draft_key=key,
        occurred_date=date.fromisoformat(answers["date"]),
        occurred_time=time.fromisoformat(when["at"]) if when.get("at") else None,
        time_of_day=when["period"],
        place=answers["place"],
        category=answers["category"],
        what_happened=answers["what"],
        how_prevented=answers["prevented"],
        immediate_action=answers.get("action"),
        told=tuple(answers["told"]),
        suggestions=answers.get("suggestions"),
        someone_harmed=bool(answers["harm"].get("harmed")),
        safeguarding_concern=bool(answers["harm"].get("safeguarding")),
        confidentiality=answers["confidentiality"],
    )
