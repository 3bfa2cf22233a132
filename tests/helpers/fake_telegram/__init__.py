"""A fake Telegram Bot API server for end-to-end tests of the bot.

async with FakeTelegram() as fake:
    api = TelegramAPIServer.from_base(fake.base_url)
    bot = Bot(fake.token, session=AiohttpSession(api=api))
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    ...  # run dp.start_polling(bot, handle_as_tasks=False) in a task
    await chat.send("/start")
    assert "Welcome" in chat.last_text()
    fake.assert_no_rejections()
"""

from .calls import Call
from .client import ChatClient
from .errors import ApiError
from .faults import FloodLimiter
from .html_text import EntityParseError, ParsedText, parse_html, utf16_len
from .server import DEFAULT_TOKEN, FakeTelegram
from .spec import ApiSpec, Upload, find_api_json, load_spec
from .state import BotMessage, CallbackAnswer, FakeUser, SentDocument

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "ApiSpec",
    "BotMessage",
    "Call",
    "CallbackAnswer",
    "ChatClient",
    "EntityParseError",
    "FakeTelegram",
    "FakeUser",
    "FloodLimiter",
    "ParsedText",
    "SentDocument",
    "Upload",
    "find_api_json",
    "load_spec",
    "parse_html",
    "utf16_len",
]
