"""What nothing else answered: a short pointer to /report, and expired buttons."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.filters import IN_PRIVATE
from bot.rendering import single_button
from bot.turn import Turn
from conversations import N_, Msg


async def anything_else(message: Message, turn: Turn) -> None:
    if turn.superseded():  # a newer message of theirs is waiting: it gets the pointer
        return
    label = turn.tr.gettext(N_("Report a near miss"), turn.language)
    await turn.say(Msg(N_("To report a near miss, send /report or tap the button. "
                          "Send /help to find out more, or /language to change language.")),
                   reply_markup=single_button(label, "go|report"))


async def expired_button(query: CallbackQuery, turn: Turn) -> None:
    await turn.acknowledge(query, Msg(N_("That button has expired.")))


def create_router() -> Router:
    router = Router(name="fallback")
    router.message.register(anything_else, IN_PRIVATE)
    router.callback_query.register(expired_button)
    return router
