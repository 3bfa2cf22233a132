"""Joining a team: invite links (/start CODE), /join, and typing the code when asked.

Asking for a code is a state of its own beside the report. The joining steps (the question, a
wrong code, /cancel) change only the conversation's state, never its data, where a report in
progress is kept; while one is, each of their answers offers it back with one tap. A command
is never taken as a code: it goes to its own handler whatever is being asked.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.types import Message

from bot.filters import IN_PRIVATE, TYPED, Checked
from bot.rendering import single_button
from bot.reporting import begin, handle, typed_event
from bot.turn import Flow, Turn
from conversations import N_, Msg
from storage.repositories import could_be_code
from storage.schemas import TeamRow

ASK = N_("To report a near miss you need to join your team first. Please type your team code "
         "here. Your manager has it, or can send you the team's invite link.")
TYPE_CODE = N_("Please type your team code here. Your manager has it, or can send you the "
               "team's invite link.")
NOT_FOUND = N_("I couldn't find a team with that code. Please check it with your manager and "
               "type it again, or ask them for the team's invite link.")
REPORT_KEPT = N_("Your report in progress is kept: tap the button to carry on with it.")
CARRY_ON = N_("Carry on with my report")
STOPPED_ASKING = N_("No problem: I've stopped asking for a team code.")
TAKEN_AS_ANSWER = N_("That doesn't look like a team code, so I've taken it as your answer to "
                     "the report.")


async def ask_for_code(turn: Turn, question: str = ASK) -> None:
    """Only members of a team may report: ask for the code their manager holds."""
    await turn.state.set_state(Flow.joining)
    await _say(turn, Msg(question))


async def start_with_code(message: Message, command: CommandObject, turn: Turn) -> None:
    await _join_with(turn, command.args or "")


async def join_command(message: Message, command: CommandObject, turn: Turn) -> None:
    if command.args:
        await _join_with(turn, command.args)
    else:
        await ask_for_code(turn, TYPE_CODE)


async def cancel_joining(message: Message, turn: Turn) -> None:
    """/cancel while a code is asked for stops only that: a report in progress comes back."""
    if await turn.draft() is not None:
        await begin(turn, Msg(STOPPED_ASKING))
        return
    await turn.state.set_state(None)
    await turn.say(Msg(N_("No problem. Send /join when you have your team code.")))


async def code_typed(message: Message, turn: Turn) -> None:
    text = message.text or ""
    if not could_be_code(text) and await turn.draft() is not None:
        # Words, not a code, with a report in progress: an answer to it, kept as one.
        await turn.say(Msg(TAKEN_AS_ANSWER))
        await handle(turn, await typed_event(message, turn), message_id=message.message_id)
        return
    await _join_with(turn, text)


async def not_a_code(message: Message, turn: Turn) -> None:
    await _say(turn, Msg(N_("Please type your team code as text, for example ROSE7KQM.")))


async def _join_with(turn: Turn, code: str) -> None:
    team = await turn.repos.teams.get_by_code(code=code[:64])
    if team is None:
        await turn.state.set_state(Flow.joining)
        await _say(turn, Msg(NOT_FOUND))
        return
    await _join(turn, team)


async def _join(turn: Turn, team: TeamRow) -> None:
    assert turn.reporter is not None
    if turn.reporter.team_id == team.id:
        welcome = Msg(N_("You're already part of {team}."), {"team": team.name})
    else:
        turn.reporter = await turn.repos.reporters.update(turn.reporter, team_id=team.id)
        welcome = Msg(N_("Welcome to {team}! You can now report near misses for your team."),
                      {"team": team.name})
    # People join to report: go straight to the first question, or back to the report in
    # progress (Cancel is always there).
    await begin(turn, welcome)


async def _say(turn: Turn, msg: Msg) -> None:
    """Say `msg`; with a report in progress, offer it back with one tap."""
    if await turn.draft() is None:
        await turn.say(msg)
        return
    label = turn.tr.gettext(CARRY_ON, turn.language)
    await turn.say(msg, Msg(REPORT_KEPT), reply_markup=single_button(label, "go|report"))


def create_router() -> Router:
    router = Router(name="join")
    router.message.filter(IN_PRIVATE)
    router.message.register(start_with_code, CommandStart(deep_link=True))
    router.message.register(join_command, Command("join"))
    router.message.register(cancel_joining, StateFilter(Flow.joining), Command("cancel"))
    router.message.register(code_typed, StateFilter(Flow.joining), TYPED)
    # Anything else but text (a sticker, a photo); other commands pass on to their handlers.
    router.message.register(not_a_code, StateFilter(Flow.joining), Checked(~F.text))
    return router
