"""Runs the pure report flow for one person: load the draft, advance it, keep it, show it.

What happens when a draft escalates or is submitted is in bot/submitting.py.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TypeVar

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message

from bot.rendering import render
from bot.replies import EditMarkup, EditText
from bot.submitting import escalate, submit
from bot.turn import Turn
from conversations import (
    N_,
    ButtonInput,
    Draft,
    Event,
    Msg,
    OtherInput,
    Result,
    TextInput,
)

log = logging.getLogger(__name__)
_T = TypeVar("_T")
NOT_MODIFIED = "message is not modified"  # Telegram's words when an edit changes nothing

EARLY = N_("I received this message before I asked the question above, so I have not taken "
           "it as the answer. If it is your answer, please send it again.")
INTERRUPTED = N_("Sorry, I was interrupted before I could ask you this, so I have not taken "
                 "your last message as its answer. Your earlier answers are saved.")


async def begin(turn: Turn, *opening: Msg) -> None:
    """Start a report, or pick up the one in progress. `opening` (a welcome) heads the first
    question's message: one message, not two, for someone who has just joined."""
    draft = await turn.draft()
    if draft is None:
        draft = Draft.new()
    else:
        await turn.say(*opening, Msg(N_("You have a report in progress. Let's carry on where "
                                        "you were.")))
        opening = ()
    await turn.keep(draft)
    await turn.show(await turn.prompt(draft), *opening)


async def typed_event(message: Message, turn: Turn) -> Event:
    """A person's message as the flow reads it: typed text (with the message's id, so that an
    edit of it can change the answer), or the button it names ("Today", "Skip"), or something
    that is not text."""
    if message.text is None:
        return OtherInput(kind=message.content_type)
    draft = await turn.draft()
    if draft is not None:
        prompt = await turn.prompt(draft)
        code = render(prompt, turn.tr, turn.language).labels.get(message.text.strip().casefold())
        if code is not None:
            return ButtonInput(step=draft.step, code=code)
    return TextInput(text=message.text, message_id=message.message_id)


async def handle(turn: Turn, event: Event, tapped: Message | None = None,
                 message_id: int | None = None) -> bool:
    """Apply one event (from the person's message `message_id`, or a tap on the message
    `tapped`) and answer it. True when the tap was taken as the answer to the question in
    `tapped` and the message now shows what comes next."""
    progress = await turn.progress()
    draft = progress.draft
    if draft is None:
        await turn.say(Msg(N_("That report has already been sent or discarded. "
                              "Send /report to start a new one.")))
        return False
    typed = isinstance(event, TextInput)
    if turn.delivered_again:  # its answer is in the draft: ask what comes next, apply nothing twice
        result = Result(draft, await turn.prompt(draft))
    elif typed and progress.unseen == draft.step:
        # Most likely the last answer, sent again because this question never came.
        result = Result(draft, await turn.prompt(draft, Msg(INTERRUPTED)))
    elif typed and progress.sent_before_asked(message_id):
        if not turn.superseded():  # one notice for a burst sent before the question came
            await turn.say(Msg(EARLY))
        return False
    else:
        result = await turn.advance(draft, event)
    shown_there = False
    if result.outcome == "submitted":
        await submit(turn, draft)
    elif result.outcome == "cancelled":
        await turn.state.clear()
        await turn.say(Msg(N_("Report discarded. Nothing was sent. "
                              "Send /report whenever you want to start again.")))
    else:
        assert result.draft is not None and result.prompt is not None
        pending = typed and (result.draft.step != draft.step or progress.unseen == draft.step)
        await turn.keep(result.draft, unseen=pending)
        if result.escalate:
            await escalate(turn, result.draft)
        if _answered_by_a_newer_message(turn, draft, result, message_id):
            return False
        there = tapped if _in_place(event, draft, result) else None
        asked = await _answer(turn, result, there)
        shown_there = asked is None
        if pending:
            await turn.keep(result.draft, asked=asked)  # Telegram has the question now
    if tapped is not None and not shown_there:
        await turn.take_buttons_off(tapped, ended=result.outcome is not None)
    return shown_there and not result.in_place


def _answered_by_a_newer_message(turn: Turn, draft: Draft, result: Result,
                                  message_id: int | None) -> bool:
    """Whether a message that moved nothing on goes unanswered, because a newer one of the
    person's is waiting and answers for the draft as it will then stand (bot/bursts.py)."""
    return (message_id is not None and not result.escalate and result.draft is not None
            and result.draft.step == draft.step and turn.superseded())


def _in_place(event: Event, draft: Draft, result: Result) -> bool:
    """Whether the tapped message can show the result: the tap answered the question it
    shows and moved on (a button of an earlier question, or a choice asked again, gets its
    question and notice in a new message) with nothing said since (an escalation's guidance
    comes before the next question)."""
    return result.in_place or (
        isinstance(event, ButtonInput) and event.step == draft.step and not result.escalate
        and result.draft is not None and result.draft.step != draft.step)


async def _answer(turn: Turn, result: Result, there: Message | None) -> int | None:
    """Show the result: in `there` when given, the question tapped (one message a run of
    tapped answers, as in aiogram_dialog: half the calls of sending each question and taking
    the last one's buttons away), else in a new message; the new message's id, or None."""
    assert result.prompt is not None
    if there is not None:
        rendered = render(result.prompt, turn.tr, turn.language)
        await turn.commit_before_speaking()
        if result.in_place:  # a multi-select toggle: only the ticks change
            await _quietly(turn.bot(_keyboard_of(there, rendered.markup)))
            return None
        try:
            await turn.bot(EditText(chat_id=there.chat.id, message_id=there.message_id,
                                    text=rendered.text, reply_markup=rendered.markup))
            await turn.buttons_back_on(there.message_id)
            return None
        except TelegramBadRequest as error:
            if NOT_MODIFIED in str(error):  # the same question, asked again as it stands
                return None
            log.info("could not edit the tapped question, sending it anew: %s", error)
    return (await turn.show(result.prompt)).message_id


def _keyboard_of(message: Message, markup: InlineKeyboardMarkup | None) -> EditMarkup:
    """The call that puts `markup` on `message`."""
    return EditMarkup(chat_id=message.chat.id, message_id=message.message_id,
                      reply_markup=markup)


async def _quietly(call: Awaitable[_T]) -> None:
    """Changing a toggle's ticks may fail (too old, deleted); the flow goes on."""
    try:
        await call
    except TelegramBadRequest as error:
        log.debug("could not change a message's buttons: %s", error)
