"""Joining a team: invite links (/start CODE), /join, and typing the code when asked."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.types import Message

from bot.filters import IN_PRIVATE, Checked
from bot.reporting import begin
from bot.turn import Flow, Turn
from conversations import N_, Msg
from storage.schemas import TeamRow


async def ask_for_code(turn: Turn) -> None:
    """Only members of a team may report: ask for the code their manager holds."""
    await turn.state.set_state(Flow.joining)
    await turn.say(Msg(N_("To report a near miss you need to join your team first. Please type "
                          "your team code here. Your manager has it, or can send you the team's "
                          "invite link.")))


async def start_with_code(message: Message, command: CommandObject, turn: Turn) -> None:
    await _join_with(turn, command.args or "")


async def join_command(message: Message, command: CommandObject, turn: Turn) -> None:
    if command.args:
        await _join_with(turn, command.args)
    else:
        await ask_for_code(turn)


async def cancel_joining(message: Message, turn: Turn) -> None:
    await turn.state.clear()
    await turn.say(Msg(N_("No problem. Send /join when you have your team code.")))


async def code_typed(message: Message, turn: Turn) -> None:
    await _join_with(turn, message.text or "")


async def not_a_code(message: Message, turn: Turn) -> None:
    await turn.say(Msg(N_("Please type your team code as text, for example ROSE7KQM.")))


async def _join_with(turn: Turn, code: str) -> None:
    team = await turn.repos.teams.get_by_code(code=code[:64])
    if team is None:
        await turn.state.set_state(Flow.joining)
        await turn.say(Msg(N_("I couldn't find a team with that code. Please check it with your "
                              "manager and type it again, or ask them for the team's invite "
                              "link.")))
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
    # People join to report: go straight to the first question (Cancel is always there).
    await turn.state.set_state(None)
    await begin(turn, welcome)


def create_router() -> Router:
    router = Router(name="join")
    router.message.filter(IN_PRIVATE)
    router.message.register(start_with_code, CommandStart(deep_link=True))
    router.message.register(join_command, Command("join"))
    router.message.register(cancel_joining, StateFilter(Flow.joining), Command("cancel"))
    router.message.register(code_typed, StateFilter(Flow.joining), Checked(F.text))
    router.message.register(not_a_code, StateFilter(Flow.joining))
    return router
