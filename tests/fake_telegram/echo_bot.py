"""A tiny aiogram bot for the fake's tests: /start and text echoed, taps answered."""

from __future__ import annotations

from aiogram import Bot, F, Router, html
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from tests.helpers.fake_telegram import FakeTelegram


def make_bot(fake: FakeTelegram) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    return Bot(fake.token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


def keyboard(*labels_and_data: tuple[str, str]) -> InlineKeyboardMarkup:
    row = [InlineKeyboardButton(text=label, callback_data=data) for label, data in labels_and_data]
    return InlineKeyboardMarkup(inline_keyboard=[row])


def make_router() -> Router:
    """A tiny bot: /start echoes its argument, text is echoed with a keyboard."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        await message.answer(f"start {command.args or '-'}")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        markup = keyboard(("Today", "day|today"), ("✓ Yesterday", "day|yesterday"))
        await message.answer(f"<b>echo</b>: {html.quote(message.text or '')}", reply_markup=markup)

    @router.message()
    async def other(message: Message) -> None:
        await message.answer(f"got {message.content_type.value}")

    @router.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer(f"chose {query.data}")
        if query.message is not None and isinstance(query.message, Message):
            await query.message.edit_text(f"You chose {query.data}")

    return router
