"""/language: choose the language the bot speaks; the choice is remembered."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.filters import IN_PRIVATE, data_starts
from bot.turn import Turn
from conversations import N_, Msg

PREFIX = "lang|"


async def choose_language(message: Message, turn: Turn) -> None:
    buttons = [[InlineKeyboardButton(text=turn.tr.native_name(code), callback_data=PREFIX + code)]
               for code in turn.tr.languages]
    await turn.say(Msg(N_("Which language would you like me to use?")),
                   reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons))


async def language_chosen(query: CallbackQuery, turn: Turn) -> None:
    code = (query.data or "")[len(PREFIX):]
    await turn.acknowledge(query)
    if code not in turn.tr.languages or turn.reporter is None:
        return
    turn.reporter = await turn.repos.reporters.update(turn.reporter, language=code)
    turn.language = code
    await turn.say(Msg(N_("Done. I'll use English from now on.")))
    draft = await turn.draft()
    if draft is not None:
        await turn.show(await turn.prompt(draft))


def create_router() -> Router:
    router = Router(name="language")
    router.message.register(choose_language, Command("language"), IN_PRIVATE)
    router.callback_query.register(language_chosen, data_starts(PREFIX))
    return router
