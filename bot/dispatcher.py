"""create_dispatcher() and create_bot(): what production runs and tests build alike."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.methods import Response, TelegramMethod
from aiogram.types import BotCommand, ErrorEvent
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bursts import Bursts
from bot.middlewares import CommitMiddleware, DatabaseMiddleware, PersonMiddleware
from bot.routers import edits, fallback, groups, join, language, privacy, report, start
from bot.sending.flood_waits import WaitOutFloods
from bot.session import HideToken, JsonSession
from bot.turn import TurnMiddleware
from conversations import N_, Msg
from core.i18n import Translator
from core.settings import Settings, identity_key, locales_dir
from storage import redis_state
from storage.fsm import SQLStorage

log = logging.getLogger(__name__)

COMMANDS = (
    ("report", N_("Report a near miss")),
    ("cancel", N_("Stop the report you are writing")),
    ("language", N_("Change language")),
    ("join", N_("Join your team with its code")),
    ("help", N_("What this bot is for")),
    ("mydata", N_("Get a copy of what is held about you")),
    ("forgetme", N_("Erase your name from your reports")),
    ("myid", N_("Show your Telegram number")),
)

# The updates the bot asks Telegram for, by polling and by webhook alike: a person's messages
# and their edits (a corrected answer), button taps, and the bot's own membership of group
# chats (a team group that removes it is unlinked). Telegram sends nothing else; a test checks
# that the routers handle exactly these.
UPDATE_TYPES = ("message", "edited_message", "callback_query", "my_chat_member")


def create_bot(settings: Settings) -> Bot:
    """A Bot that speaks HTML to Telegram, or to TELEGRAM_API_URL when that is set."""
    assert settings.bot_token is not None
    session = JsonSession()
    if settings.telegram_api_url:
        session = JsonSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    bot = Bot(settings.bot_token.get_secret_value(), session=session,
              default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    bot.session.middleware(KeepResponseTypes())
    bot.session.middleware(WaitOutFloods())  # replies are sent, after Telegram's flood wait
    bot.session.middleware(HideToken())  # no error carries the token in its URL
    return bot


class KeepResponseTypes(BaseRequestMiddleware):
    """Keeps a strong reference to each `Response[T]` model the session parses answers with.

    aiogram builds `Response[method.__returning__]` for every answer, and pydantic caches
    parametrised generics only weakly, so after each garbage collection the class was built
    again: under load, the largest single cost of the bot's updates (bench/RESULTS.md).
    """

    def __init__(self) -> None:
        self.kept: dict[Any, type[Response[Any]]] = {}

    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot,
                       method: TelegramMethod[Any]) -> Any:
        returning = method.__returning__
        if returning not in self.kept:
            self.kept[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)


def create_dispatcher(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], *,
                      storage: BaseStorage | None = None,
                      translator: Translator | None = None) -> Dispatcher:
    """The dispatcher with its storage, middlewares and routers in their order."""
    translator = translator or Translator(locales_dir(), settings.default_language)
    if storage is None:
        storage, isolation = conversation_state(settings, sessionmaker)
    else:
        isolation = SimpleEventIsolation()
    dp = Dispatcher(storage=storage, events_isolation=isolation)
    # Each message seen as it arrives, before any lock (a burst is answered once), then
    # the session, then aiogram's FSM middleware (the person's lock and state), then
    # the commit inside that lock, then the person.
    dp.update.outer_middleware.unregister(dp.fsm)
    dp.update.outer_middleware(Bursts())
    dp.update.outer_middleware(DatabaseMiddleware(sessionmaker, identity_key(settings),
                                                  read_ahead=isinstance(storage, SQLStorage)))
    dp.update.outer_middleware(dp.fsm)
    dp.update.outer_middleware(CommitMiddleware())
    dp.update.outer_middleware(PersonMiddleware(translator))
    turns = TurnMiddleware(translator, settings)
    dp.message.middleware(turns)
    dp.edited_message.middleware(turns)
    dp.callback_query.middleware(turns)
    # Order matters: groups first (never the private flow there), /start CODE before /start,
    # commands before the flow's typed answers, and the fallback last. Joining's typed code
    # comes before some commands' routers but takes no command (bot.filters.Typed). The flow's
    # taps go first of all: their data ("r|", "go|report") is no other router's, and a private
    # chat's only. Edits of messages (edited_message) are the edits router's alone.
    dp.include_routers(report.create_tap_router(), groups.create_router(),
                       language.create_router(), privacy.create_router(), join.create_router(),
                       start.create_router(), report.create_router(), edits.create_router(),
                       fallback.create_router())
    dp.errors.register(_on_error)
    dp.startup.register(_set_commands)
    dp["translator"] = translator
    return dp


def conversation_state(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
                       ) -> tuple[BaseStorage, BaseEventIsolation]:
    """Redis when REDIS_URL is set (every worker sees it, and locks a person across workers),
    else the SQL table with a per-process lock.

    The dispatcher closes its storage on shutdown, and RedisStorage closes its client then.
    """
    if settings.redis_url:
        return redis_state.redis_storage(redis_state.connect(settings.redis_url),
                                         settings.redis_prefix)
    return SQLStorage(sessionmaker), SimpleEventIsolation()


async def _set_commands(bot: Bot, translator: Translator, **_: Any) -> None:
    for code in translator.languages:
        commands = [BotCommand(command=name, description=translator.gettext(text, code))
                    for name, text in COMMANDS]
        await bot.set_my_commands(commands, language_code=code)
    await bot.set_my_commands([BotCommand(command=name, description=text)
                               for name, text in COMMANDS])


async def _on_error(event: ErrorEvent, bot: Bot, translator: Translator,
                    **data: Any) -> bool:
    """Log the failure and tell the person, so nobody is left without an answer."""
    log.exception("update %s failed", event.update.update_id, exc_info=event.exception)
    chat = data.get("event_chat")
    if chat is None or chat.type != "private":
        return True
    language = data.get("language", translator.default)
    sorry = Msg(N_("Sorry, something went wrong on my side. Your answers so far are saved. "
                   "Please try again in a minute."))
    try:
        await bot.send_message(chat.id, translator.text(sorry, language))
    except Exception:  # noqa: BLE001 - the error path must never raise again
        # No chat id: in a private chat it is the person's Telegram id, and logs are kept.
        log.exception("could not tell the person about the failure of update %s",
                      event.update.update_id)
    return True
