"""A Turn: one handler's view of the person it answers (chat, draft, language, repos)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, User

from bot.bursts import never
from bot.middlewares import Repos, commit_pending
from bot.rendering import render
from bot.replies import EditMarkup, SendText, Sent
from conversations import (
    CATEGORY_LIST,
    PLACES,
    Context,
    Draft,
    Event,
    Msg,
    Prompt,
    Result,
    advance,
    current_prompt,
    needs,
)
from core.i18n import Translator
from core.settings import Settings
from storage.schemas import ReporterRow

DRAFT = "draft"
UNSEEN = "unseen"
ASKED = "asked"
BARE = "bare"  # the person's messages whose buttons were taken away
APPLIED = "applied"  # the updates whose events the draft holds
RECENT = {BARE: 20, APPLIED: 10}  # ids kept with the draft, the newest this many
log = logging.getLogger(__name__)


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
    reporter: ReporterRow | None
    tr: Translator
    language: str
    settings: Settings
    user: User | None = None  # who sent the update: never stored unless they choose to
    update_id: int | None = None
    _context: Context | None = field(default=None, repr=False)
    _has: frozenset[str] = field(default=frozenset(), repr=False)  # what _context was read with
    _recent: dict[str, tuple[int, ...]] | None = field(default=None, repr=False)  # RECENT's
    # This update's event is in the draft already: Telegram delivers an update again when the
    # process died before confirming it (polling) or before answering it (webhook).
    delivered_again: bool = False
    # A newer message of this person is already waiting: it answers instead (bot/bursts.py).
    superseded: Callable[[], bool] = field(default=never, repr=False)

    async def say(self, msg: Msg, *more: Msg, **kwargs: Any) -> Sent:
        """Send one message: `msg` and any `more` as paragraphs, after committing."""
        text = "\n\n".join(self.tr.text(part, self.language) for part in (msg, *more))
        await self.commit_before_speaking()
        return await self.bot(SendText(chat_id=self.chat_id, text=text, **kwargs))

    async def show(self, prompt: Prompt, *lead: Msg) -> Sent:
        """Send a question with its buttons, after committing, `lead` as paragraphs before it;
        the message Telegram made."""
        rendered = render(prompt, self.tr, self.language)
        text = "\n\n".join([*(self.tr.text(part, self.language) for part in lead),
                             rendered.text])
        await self.commit_before_speaking()
        return await self.bot(SendText(chat_id=self.chat_id, text=text,
                                       reply_markup=rendered.markup))

    async def acknowledge(self, query: CallbackQuery, msg: Msg | None = None, *,
                          shown: str | None = None) -> None:
        """Answer a button tap (ends its spinner, with `msg`, or `shown` already in the
        person's language, as a brief notice), after committing: no Telegram call is made
        while this update holds the database."""
        text = self.tr.text(msg, self.language) if msg is not None else shown
        await self.commit_before_speaking()
        try:
            await query.answer(text)
        except TelegramBadRequest as error:
            # Answered already (the update was delivered again), or too late: the spinner has
            # stopped by itself, and the tap's work is done and committed.
            log.info("a tap's answer was refused: %s", error)

    async def commit_before_speaking(self) -> None:
        """Commit what this update has changed: once a person sees the next question (or a
        reference), a crash must not be able to take back the answer that led to it."""
        await commit_pending(self.repos.session)

    async def context(self, wanted: frozenset[str] = frozenset()) -> Context:
        """What the questions offer now, as far as `wanted` (conversations.needs) asks: most
        answers need neither the places nor the categories. Read at most once an update."""
        if self._context is None or not wanted <= self._has:
            wanted |= self._has
            team_id = getattr(self.reporter, "team_id", None)
            places = (await self.repos.teams.place_names(team_id=team_id)
                      if team_id and PLACES in wanted else [])
            categories = (await self.repos.categories.choices()
                          if CATEGORY_LIST in wanted else [])
            self._context = Context(now=datetime.now(self.settings.zone), places=tuple(places),
                                    categories=tuple(categories))
            self._has = wanted
        return self._context

    async def prompt(self, draft: Draft, notice: Msg | None = None) -> Prompt:
        """The draft's question as it stands."""
        return current_prompt(draft, await self.context(needs(draft.step)), notice)

    async def advance(self, draft: Draft, event: Event) -> Result:
        """conversations.advance, reading first what the draft's question needs and then, if
        the question it moves to needs more, again with that (advance is pure)."""
        result = advance(draft, event, await self.context(needs(draft.step)))
        if result.draft is not None and not needs(result.draft.step) <= self._has:
            result = advance(draft, event, await self.context(needs(result.draft.step)))
        return result

    async def draft(self) -> Draft | None:
        return (await self.progress()).draft

    async def progress(self) -> Progress:
        data = await self.state.get_data()
        raw, unseen, asked = data.get(DRAFT), data.get(UNSEEN), data.get(ASKED)
        self._recent = {name: _ints(data.get(name)) for name in RECENT}
        self.delivered_again = self.update_id in self._recent[APPLIED]
        return Progress(
            Draft.from_dict(raw) if isinstance(raw, dict) else None,
            unseen if isinstance(unseen, str) else None,
            (str(asked[0]), int(asked[1])) if isinstance(asked, list) and len(asked) == 2
            else None)

    async def keep(self, draft: Draft, *, unseen: bool = False,
                   asked: int | None = None) -> None:
        """Store the draft; `unseen` marks its question as not shown yet, `asked` records the
        message that showed it (see Progress)."""
        data: dict[str, object] = {DRAFT: draft.to_dict()}
        if unseen:
            data[UNSEEN] = draft.step
        if asked is not None:
            data[ASKED] = [draft.step, asked]
        recent = await self._recent_ids()
        if self.update_id is not None:
            self._note(APPLIED, self.update_id)
        data.update({name: list(ids) for name, ids in recent.items() if ids})
        # Data first: the draft is the truth, the state only routes messages to the flow.
        await self.state.set_data(data)
        await self.state.set_state(Flow.reporting)

    async def take_buttons_off(self, message: Message, *, ended: bool = False) -> None:
        """Take the buttons off a tapped message, once.

        A tap brings Telegram's copy of its message as it was when tapped, so taps made before
        the first was answered (a double tap, or taps delivered again after a restart) all
        show buttons the first one's answer may have taken away, and taking away none is an
        edit Telegram rejects ("message is not modified"). What was taken away is recorded
        with the draft, and committed, before the edit: a crash in between leaves the
        buttons, not a second edit. Once the report has `ended` nothing is recorded (nothing
        of the person may stay behind), and later taps are told so without any edit.
        """
        if message.reply_markup is None or message.message_id in (await self._recent_ids())[BARE]:
            return
        if not ended:
            await self.state.update_data({BARE: list(self._note(BARE, message.message_id))})
            await self.commit_before_speaking()
        try:
            await self.bot(EditMarkup(chat_id=message.chat.id, message_id=message.message_id,
                                      reply_markup=None))
        except TelegramBadRequest as error:  # too old to edit, or deleted: nothing to tidy
            log.debug("could not take the buttons off a message: %s", error)

    async def buttons_back_on(self, message_id: int) -> None:
        """A message recorded as bare shows a question again (edited in place)."""
        if self._recent is not None and message_id in self._recent[BARE]:
            self._recent[BARE] = tuple(n for n in self._recent[BARE] if n != message_id)
            await self.state.update_data({BARE: list(self._recent[BARE])})

    async def _recent_ids(self) -> dict[str, tuple[int, ...]]:
        """RECENT's ids as stored (read with the draft unless progress() already did)."""
        if self._recent is None:
            await self.progress()
        assert self._recent is not None
        return self._recent

    def _note(self, name: str, value: int) -> tuple[int, ...]:
        """Add `value` to RECENT's `name` (read already), newest last."""
        assert self._recent is not None
        ids = tuple(n for n in self._recent[name] if n != value) + (value,)
        self._recent[name] = ids[-RECENT[name]:]
        return self._recent[name]


def _ints(value: object) -> tuple[int, ...]:
    return tuple(n for n in value if isinstance(n, int)) if isinstance(value, list) else ()


@dataclass(frozen=True)
class Progress:
    """A person's draft, and what is known about the showing of its question after a typed
    answer moved it on.

    That answer is committed before the next question is sent. If the process dies in between
    (`unseen` is that step), or the person, hearing nothing, sends their answer again before
    the question arrives (their message is older than `asked`, the question's message id: a
    chat's ids grow in the order messages were sent), the message is not an answer to the new
    question, and must not be taken as one.
    """

    draft: Draft | None
    unseen: str | None = None
    asked: tuple[str, int] | None = None

    def sent_before_asked(self, message_id: int | None) -> bool:
        return (self.draft is not None and self.asked is not None and message_id is not None
                and self.asked[0] == self.draft.step and message_id < self.asked[1])


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
                                settings=self.settings, user=data.get("event_from_user"),
                                update_id=getattr(data.get("event_update"), "update_id", None),
                                superseded=data.get("superseded", never))
        return await handler(event, data)
