"""A typed answer edited in Telegram: the draft takes the new text, where the worker is."""

from __future__ import annotations

from dataclasses import replace

from conversations.flow import Draft, Result, current_prompt
from conversations.parsing import Invalid
from conversations.steps import STEP_BY_ID, Context
from core.text import N_, Msg

UPDATED = N_("I've changed your answer to \u201c{field}\u201d to the edited text.")
REFUSED = N_("I couldn't use your edit of your answer to \u201c{field}\u201d, so the earlier "
             "answer is kept. {problem}")
NOT_AN_ANSWER = N_("Editing that message changes nothing in your report: only edits of your "
                   "typed answers do. To answer the question below, please send a new message.")


def answered_in(draft: Draft, message_id: int) -> str | None:
    """The question whose answer (still in the draft) was typed in message `message_id`."""
    return next((step for step, n in draft.typed.items() if n == message_id), None)


def revise(draft: Draft, message_id: int, text: str, ctx: Context) -> Result:
    """The worker edited their message `message_id` to read `text`.

    When that message holds a typed answer still in the draft, the new text replaces the
    answer (checked as a typed answer to that question is), and the worker stays where they
    are: the current question, or the summary, comes again with a line saying what changed.
    An edit of any other message changes nothing and says so. Only typed answers are edited,
    and no question that escalates takes typed text, so an edit never raises an escalation.
    """
    step_id = answered_in(draft, message_id)
    step = STEP_BY_ID.get(step_id or "")
    if step is None or step.parse is None:
        return Result(draft, current_prompt(draft, ctx, Msg(NOT_AN_ANSWER)))
    field = Msg(step.label)
    try:
        value = step.parse(text, draft.answers, ctx)
    except Invalid as problem:
        notice = Msg(REFUSED, {"field": field, "problem": problem.msg})
        return Result(draft, current_prompt(draft, ctx, notice))
    revised = replace(draft, answers={**draft.answers, step.id: value})
    return Result(revised, current_prompt(revised, ctx, Msg(UPDATED, {"field": field})))
