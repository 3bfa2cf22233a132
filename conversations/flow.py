"""advance(draft, event, ctx) -> Result: the whole report conversation as one pure function."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from conversations import review
from conversations.parsing import Invalid
from conversations.prompts import Button, Prompt, confirm_cancel_prompt, step_prompt
from conversations.steps import CHOICE_VALUE, STEP_BY_ID, STEPS, Context, Step
from core.text import N_, Msg

REVIEW = "review"
CONFIRM_CANCEL = "cancel"
MOVES = frozenset({"back", "cancel", "yes", "no"})  # button codes that answer nothing


@dataclass(frozen=True)
class Draft:
    """A report in progress. JSON-native so it can live in any FSM storage."""

    key: str
    step: str
    answers: dict[str, Any] = field(default_factory=dict)
    reviewing: bool = False  # the summary has been reached: answers now return to it
    resume: str | None = None  # where "No, keep going" returns to from the cancel question
    # Someone was harmed or there is a safeguarding concern, and the contacts were told:
    # stays set if the answer changes later, since nobody can be untold.
    escalated: bool = False
    # The worker's message each typed answer came in (step id -> message id), so that an edit
    # of that message in Telegram changes that answer (conversations.edits).
    typed: dict[str, int] = field(default_factory=dict)

    @classmethod
    def new(cls) -> Draft:
        return cls(key=str(uuid.uuid4()), step=STEPS[0].id)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "step": self.step, "answers": dict(self.answers),
                "reviewing": self.reviewing, "resume": self.resume,
                "escalated": self.escalated, "typed": dict(self.typed)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        step = data.get("step")
        if step not in STEP_BY_ID and step not in (REVIEW, CONFIRM_CANCEL):
            step = STEPS[0].id
        return cls(key=str(data.get("key") or uuid.uuid4()), step=step,
                   answers=dict(data.get("answers") or {}),
                   reviewing=bool(data.get("reviewing")), resume=data.get("resume"),
                   escalated=bool(data.get("escalated")), typed=_typed(data.get("typed")))


def _typed(value: Any) -> dict[str, int]:
    """A stored `typed` map, keeping only what it can mean: a question's id -> a message id."""
    if not isinstance(value, dict):
        return {}
    return {step: n for step, n in value.items()
            if step in STEP_BY_ID and isinstance(n, int) and not isinstance(n, bool)}


@dataclass(frozen=True)
class TextInput:
    """The worker typed something (in their message `message_id`, when bot/ knows it)."""

    text: str
    message_id: int | None = None


@dataclass(frozen=True)
class ButtonInput:
    """The worker tapped a button that was shown for `step`."""

    step: str
    code: str


@dataclass(frozen=True)
class OtherInput:
    """Anything that is not text: a sticker, photo, voice note, location..."""

    kind: str


@dataclass(frozen=True)
class Resume:
    """Show the current question again (after /report with a draft, or a restart)."""


Event = TextInput | ButtonInput | OtherInput | Resume


@dataclass(frozen=True)
class Result:
    """What happened: the new draft (None once finished), what to show, and how it ended."""

    draft: Draft | None
    prompt: Prompt | None
    outcome: str | None = None  # "submitted" or "cancelled"
    in_place: bool = False  # the prompt replaces the tapped message (a multi-select toggle)
    # The draft has just become an escalation: bot/ alerts the contacts before the prompt.
    escalate: bool = False


def start(ctx: Context) -> Result:
    """A fresh draft at the first question."""
    draft = Draft.new()
    return Result(draft, current_prompt(draft, ctx))


def current_prompt(draft: Draft, ctx: Context, notice: Msg | None = None) -> Prompt:
    """The prompt for wherever the draft is now."""
    if draft.step == REVIEW:
        return review.summary_prompt(draft.answers, ctx, notice)
    if draft.step == CONFIRM_CANCEL:
        return confirm_cancel_prompt(notice)
    return step_prompt(STEP_BY_ID[draft.step], draft.answers, ctx,
                       position=_position(draft), notice=notice, reviewing=draft.reviewing)


def needs(step: str) -> frozenset[str]:
    """What of the Context beyond the time a question reads (Step.uses), to take an answer to
    it and to ask it; the summary and the cancel check read none. advance() reads what the
    draft's question needs and what the question it moves to needs, nothing else."""
    return STEP_BY_ID[step].uses if step in STEP_BY_ID else frozenset()


def _position(draft: Draft) -> int:
    return [step.id for step in STEPS].index(draft.step) + 1


def advance(draft: Draft, event: Event, ctx: Context) -> Result:
    """Apply one event to the draft."""
    if isinstance(event, Resume):
        return _show(draft, ctx)
    if isinstance(event, OtherInput):
        return _show(draft, ctx, Msg(N_("I can only read text here. Please type your answer "
                                        "or tap a button.")))
    if isinstance(event, ButtonInput):
        if event.step != draft.step:
            return _show(draft, ctx, Msg(N_("That button belongs to an earlier question. "
                                            "Here is where we are now.")))
        if event.code == "cancel" and draft.step != CONFIRM_CANCEL:
            return _show(replace(draft, step=CONFIRM_CANCEL, resume=draft.step), ctx)
    if draft.step == CONFIRM_CANCEL:
        return _confirm_cancel(draft, event, ctx)
    if draft.step == REVIEW:
        return _review(draft, event, ctx)
    return _answer(draft, STEP_BY_ID[draft.step], event, ctx)


def is_answer(event: ButtonInput) -> bool:
    """Whether a tap answers its question (a choice, Skip, Keep, Done) rather than moves about
    the report (Back, Cancel, the cancel check's Yes and No, the summary's Change buttons)."""
    return event.code not in MOVES and not event.code.startswith("edit:")


def _show(draft: Draft, ctx: Context, notice: Msg | None = None) -> Result:
    return Result(draft, current_prompt(draft, ctx, notice))


def _confirm_cancel(draft: Draft, event: Event, ctx: Context) -> Result:
    if isinstance(event, ButtonInput) and event.code == "yes":
        return Result(None, None, outcome="cancelled")
    if isinstance(event, ButtonInput) and event.code == "no":
        return _show(replace(draft, step=draft.resume or STEPS[0].id, resume=None), ctx)
    return _show(draft, ctx, Msg(N_("Please tap one of the buttons.")))


def _review(draft: Draft, event: Event, ctx: Context) -> Result:
    if isinstance(event, ButtonInput):
        if event.code == "submit":
            problem = review.check(draft.answers, ctx)
            if problem is None:
                return Result(draft, None, outcome="submitted")
            step_id, notice = problem
            return _show(replace(draft, step=step_id), ctx, notice)
        if event.code.startswith("edit:") and event.code[5:] in STEP_BY_ID:
            return _show(replace(draft, step=event.code[5:]), ctx)
        if event.code == "back":
            return _show(replace(draft, step=STEPS[-1].id), ctx)
    return _show(draft, ctx, Msg(N_("Please check your answers, then tap Submit, or tap an "
                                    "answer to change it.")))


def _answer(draft: Draft, step: Step, event: Event, ctx: Context) -> Result:
    if isinstance(event, ButtonInput):
        return _button(draft, step, event.code, ctx)
    assert isinstance(event, TextInput)
    if step.parse is None:
        hint = (N_("Please tap the buttons, then Done.") if step.kind == "multi"
                else N_("Please tap one of the buttons."))
        return _show(draft, ctx, Msg(hint))
    try:
        value = step.parse(event.text, draft.answers, ctx)
    except Invalid as problem:
        return _show(draft, ctx, problem.msg)
    return _answered(draft, step, value, ctx, event.message_id)


def _button(draft: Draft, step: Step, code: str, ctx: Context) -> Result:
    if code == "back":
        return _back(draft, step, ctx)
    if code == "keep" and step.id in draft.answers:
        return _next(draft, ctx)
    if code == "skip" and step.optional:
        return _next(_with(draft, step.id, None), ctx)
    if step.kind == "multi":
        return _multi(draft, step, code, ctx)
    choice = _choice_for(step, code, ctx)
    if choice is None:
        return _show(draft, ctx, Msg(N_("That button is no longer available. "
                                        "Please choose again.")))
    to_value = CHOICE_VALUE.get(step.id)
    try:
        value = to_value(choice, draft.answers, ctx) if to_value else choice
    except Invalid as problem:
        return _show(draft, ctx, problem.msg)
    return _answered(draft, step, value, ctx)


def _answered(draft: Draft, step: Step, value: Any, ctx: Context,
              message_id: int | None = None) -> Result:
    """Keep an answer (typed in `message_id`, if it was) and move on; an escalating answer
    escalates the draft, once."""
    answered = _with(draft, step.id, value, message_id)
    if draft.escalated or step.escalates is None or not step.escalates(value):
        return _next(answered, ctx)
    return replace(_next(replace(answered, escalated=True), ctx), escalate=True)


def _choice_for(step: Step, code: str, ctx: Context) -> str | None:
    """Choice buttons carry their index (callback data must stay under 64 bytes)."""
    choices = step.choices(ctx)
    if not code.startswith("c") or not code[1:].isdigit():
        return None
    index = int(code[1:])
    return choices[index].value if index < len(choices) else None


def _multi(draft: Draft, step: Step, code: str, ctx: Context) -> Result:
    selected = list(draft.answers.get(step.id) or [])
    if code == "done":
        if not selected:
            return _show(draft, ctx, Msg(N_("Please tap at least one, or Nobody yet.")))
        return _next(draft, ctx)
    value = _choice_for(step, code, ctx)
    if value is None:
        return _show(draft, ctx, Msg(N_("That button is no longer available. "
                                        "Please choose again.")))
    if value == step.exclusive:
        return _next(_with(draft, step.id, [value]), ctx)
    selected = [v for v in selected if v != step.exclusive]
    selected = [v for v in selected if v != value] if value in selected else selected + [value]
    toggled = _with(draft, step.id, selected)
    return Result(toggled, current_prompt(toggled, ctx), in_place=True)


def _with(draft: Draft, step_id: str, value: Any, message_id: int | None = None) -> Draft:
    """The draft with a new answer; `message_id` is the message it was typed in, None for a
    tap (an edit of an earlier typed message then changes nothing)."""
    typed = {step: n for step, n in draft.typed.items() if step != step_id}
    if message_id is not None:
        typed[step_id] = message_id
    return replace(draft, answers={**draft.answers, step_id: value}, typed=typed)


def _next(draft: Draft, ctx: Context) -> Result:
    if draft.reviewing:
        return _show(replace(draft, step=REVIEW), ctx)
    ids = [step.id for step in STEPS]
    position = ids.index(draft.step)
    if position + 1 < len(ids):
        return _show(replace(draft, step=ids[position + 1]), ctx)
    return _show(replace(draft, step=REVIEW, reviewing=True), ctx)


def _back(draft: Draft, step: Step, ctx: Context) -> Result:
    if draft.reviewing:
        return _show(replace(draft, step=REVIEW), ctx)
    ids = [s.id for s in STEPS]
    position = ids.index(step.id)
    return _show(replace(draft, step=ids[max(position - 1, 0)]), ctx)


__all__ = ["Button", "ButtonInput", "Draft", "Event", "OtherInput", "Prompt", "Result",
           "Resume", "TextInput", "advance", "current_prompt", "start"]
