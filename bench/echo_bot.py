"""A bare aiogram echo bot: the yardstick bench/load.py measures nearmiss against.

Every message is answered with a message, every tap with answerCallbackQuery and a message,
each carrying a one-button keyboard (as a question of ours does). No database, no middleware,
no i18n: what aiogram and the HTTP round trips cost on their own.

Run (bench/load.py starts it): BOT_TOKEN=... TELEGRAM_API_URL=... [WEBHOOK_URL=https://...
PORT=8000] .venv/bin/python -m bench.echo_bot
"""

from __future__ import annotations

import asyncio
import logging
import os
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

router = Router(name="echo")
KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Again", callback_data="again")]])


@router.message()
async def echo(message: Message) -> None:
    await message.answer(message.text or "(no text)", reply_markup=KEYBOARD)


@router.callback_query()
async def echo_tap(query: CallbackQuery, bot: Bot) -> None:
    await query.answer()
    await bot.send_message(query.from_user.id, query.data or "(no data)", reply_markup=KEYBOARD)


def serve_webhook(bot: Bot, dp: Dispatcher, url: str, port: int) -> None:
    """aiogram's own aiohttp webhook server, handling each update in the background."""

    async def register() -> None:
        await bot.set_webhook(url)

    dp.startup.register(register)
    app = web.Application()
    SimpleRequestHandler(dispatcher=dp, bot=bot).register(app, path=urlsplit(url).path)
    setup_application(app, dp, bot=bot)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    bot = Bot(os.environ["BOT_TOKEN"], session=AiohttpSession(api=api))
    dp = Dispatcher()
    dp.include_router(router)
    if url := os.environ.get("WEBHOOK_URL"):
        serve_webhook(bot, dp, url, int(os.environ.get("PORT", "8000")))
    else:
        asyncio.run(dp.start_polling(bot))


if __name__ == "__main__":
    main()
