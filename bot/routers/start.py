"""/start and /help: what a near miss is, why it matters, and the way in."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from bot.filters import IN_PRIVATE
from bot.rendering import single_button
from bot.routers.join import ask_for_code
from bot.turn import Turn
from conversations import N_, Msg

GREETING = N_("Hello {name}! I help staff report near misses.\n\nA near miss is something that "
              "nearly caused harm but didn't: a medicine almost given wrongly but caught at the "
              "check, a wet floor spotted before anyone slipped. Telling us about near misses "
              "is how we stop real harm next time.\n\nReporting is blame-free. We want to learn "
              "from what nearly happened, not to find fault. It takes about two minutes.")


async def greet(message: Message, turn: Turn) -> None:
    name = message.from_user.first_name if message.from_user else ""
    await turn.say(Msg(GREETING, {"name": name}))
    if turn.reporter is None or turn.reporter.team_id is None:
        await ask_for_code(turn)
        return
    draft = await turn.draft()
    label = N_("Carry on with my report") if draft else N_("Report a near miss")
    await turn.say(Msg(N_("When you're ready, tap the button or send /report.")),
                   reply_markup=single_button(turn.tr.gettext(label, turn.language), "go|report"))


def create_router() -> Router:
    router = Router(name="start")
    router.message.filter(IN_PRIVATE)
    router.message.register(greet, CommandStart())
    router.message.register(greet, Command("help"))
    return router
