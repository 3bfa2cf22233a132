"""The report flow: /report, answers typed or tapped, /cancel."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.types import CallbackQuery, Message

from bot.filters import FROM_PRIVATE, IN_PRIVATE, data_is, data_starts
from bot.rendering import TICK, parse_flow_data
from bot.reporting import begin, handle, typed_event
from bot.routers.join import ask_for_code
from bot.turn import Flow, Turn
from conversations import ButtonInput, is_answer

NOTICE_LIMIT = 200  # characters in answerCallbackQuery's text


async def report_command(message: Message, turn: Turn) -> None:
    await start_report(turn)


async def report_button(query: CallbackQuery, turn: Turn) -> None:
    await turn.acknowledge(query)
    await start_report(turn)


async def start_report(turn: Turn) -> None:
    """Start a report, or carry on with the one in progress (whatever else was asked since);
    someone in no team is asked for their team's code first."""
    no_team = turn.reporter is None or turn.reporter.team_id is None
    if no_team and await turn.draft() is None:
        await ask_for_code(turn)
        return
    await begin(turn)


async def cancel_command(message: Message, turn: Turn) -> None:
    draft = await turn.draft()
    step = draft.step if draft else ""
    await handle(turn, ButtonInput(step=step, code="cancel"))


async def flow_button(query: CallbackQuery, turn: Turn) -> None:
    event = parse_flow_data(query.data)
    # Telegram sends an InaccessibleMessage for a message it no longer shows (deleted, or too
    # old): that one cannot be edited, so the next question comes in a new message.
    tapped = query.message if isinstance(query.message, Message) else None
    answered = False
    if event is not None:
        moved_on = await handle(turn, event, tapped=tapped)
        answered = moved_on and is_answer(event)
    # Last, when nothing is left to commit: the tap's spinner stops as its answer shows. When
    # the tapped question made way for the next, a brief notice says which answer was taken.
    # A tap delivered again was answered the first time (a second answer is refused).
    if not turn.delivered_again:
        await turn.acknowledge(query, shown=_tapped_label(tapped, query.data) if answered
                               else None)


def _tapped_label(tapped: Message | None, data: str | None) -> str | None:
    """The label of the button with `data` on the tapped message (already in the person's
    language), ticked, within the 200 characters a tap's notice may have."""
    rows = tapped.reply_markup.inline_keyboard if tapped and tapped.reply_markup else []
    for row in rows:
        for button in row:
            if button.callback_data == data:
                return (TICK + button.text.removeprefix(TICK))[:NOTICE_LIMIT]
    return None


async def flow_message(message: Message, turn: Turn) -> None:
    await handle(turn, await typed_event(message, turn), message_id=message.message_id)


def create_router() -> Router:
    """The flow's commands and typed answers (after the other commands: see bot/dispatcher)."""
    router = Router(name="report")
    router.message.filter(IN_PRIVATE)
    router.message.register(report_command, Command("report"))
    router.message.register(cancel_command, Command("cancel"), StateFilter(Flow.reporting))
    router.message.register(flow_message, StateFilter(Flow.reporting))
    return router


def create_tap_router() -> Router:
    """The flow's buttons: most updates are taps on them, and their data is the flow's own, so
    they are routed first rather than past every other router."""
    router = Router(name="report-taps")
    router.callback_query.filter(FROM_PRIVATE)
    router.callback_query.register(report_button, data_is("go|report"))
    router.callback_query.register(flow_button, data_starts("r|"))
    return router
