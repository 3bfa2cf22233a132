"""A Turn: one handler's view of the person it answers (chat, draft, language, repos)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, User

from bot.i18n import Translator
from bot.middlewares import Repos
from bot.rendering import Rendered, render
from conversations import Context, Draft, Msg, Prompt
from nearmiss.settings import Settings
from storage.models import Reporter

DRAFT = "draft"


class Flow(StatesGroup):
    """Where a person is outside the report questions themselves."""

    reporting = State()
    joining = State()


@dataclass
class Turn:
    """Everything one handler knows about the person it is answering."""

    bot: Bot
    chat_id: int
    state: FSMContext
    repos: Repos
    reporter: Reporter | None
    tr: Translator
    language: str
    settings: Settings
    user: User | None = None  # who sent the update: never stored unless they choose to
    _context: Context | None = field(default=None, repr=False)

    async def say(self, msg: Msg, *more: Msg, **kwargs: Any) -> Message:
        """Send one message: `msg` and any `more` as paragraphs, after committing."""
        text = "\n\n".join(self.tr.text(part, self.language) for part in (msg, *more))
        await self.stored()
        return await self.bot.send_message(self.chat_id, text, **kwargs)

    async def show(self, prompt: Prompt) -> Rendered:
        rendered = render(prompt, self.tr, self.language)
        await self.stored()
        await self.bot.send_message(self.chat_id, rendered.text, reply_markup=rendered.markup)
        return rendered

    async def acknowledge(self, query: CallbackQuery, msg: Msg | None = None) -> None:
        """Answer a button tap (ends its spinner, with `msg` as a brief notice), after
        committing: no Telegram call is made while this update holds the database."""
        text = self.tr.text(msg, self.language) if msg is not None else None
        await self.stored()
        await query.answer(text)

    async def stored(self) -> None:
        """Commit before speaking: once a person sees the next question (or a reference), a
        crash must not be able to take back the answer that led to it."""
        await self.repos.session.commit()

    async def context(self) -> Context:
        """What the questions offer now (read once per update)."""
        if self._context is None:
            team_id = getattr(self.reporter, "team_id", None)
            places = await self.repos.teams.places(team_id=team_id) if team_id else []
            categories = await self.repos.categories.list(active_only=True)
            self._context = Context(now=datetime.now(self.settings.zone),
                                    places=tuple(place.name for place in places),
                                    categories=tuple((c.key, c.name) for c in categories))
        return self._context

    async def draft(self) -> Draft | None:
        raw = (await self.state.get_data()).get(DRAFT)
        return Draft.from_dict(raw) if isinstance(raw, dict) else None

    async def keep(self, draft: Draft) -> None:
        # Data first: the draft is the truth, the state only routes messages to the flow.
        await self.state.set_data({DRAFT: draft.to_dict()})
        await self.state.set_state(Flow.reporting)


class TurnMiddleware(BaseMiddleware):
    """Builds the Turn a handler receives as `turn` from what the outer middlewares found."""

    def __init__(self, translator: Translator, settings: Settings) -> None:
        self.translator = translator
        self.settings = settings

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        if chat is not None and "state" in data:
            data["turn"] = Turn(bot=data["bot"], chat_id=chat.id, state=data["state"],
                                repos=data["repos"], reporter=data.get("reporter"),
                                tr=self.translator, language=data["language"],
                                settings=self.settings, user=data.get("event_from_user"))
        return await handler(event, data)
