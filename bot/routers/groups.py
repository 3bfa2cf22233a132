"""Group chats: reports are private, so point people to a private chat."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.turn import Turn
from conversations import N_, Msg


async def report_in_private(message: Message, bot: Bot, turn: Turn) -> None:
    me = await bot.me()
    label = turn.tr.gettext(N_("Report privately"), turn.language)
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=label, url=f"https://t.me/{me.username}")]])
    await turn.say(Msg(N_("Near misses are reported in a private chat with me, so your report "
                          "stays confidential. Tap the button to open it.")),
                   reply_markup=markup)


def create_router() -> Router:
    router = Router(name="groups")
    router.message.filter(F.chat.type.in_({"group", "supergroup"}))
    router.message.register(report_in_private, Command("report", "start", "help"))
    return router
