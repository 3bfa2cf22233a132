"""Per-update plumbing: one database session, the person, and their language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.i18n import Translator
from storage import hot
from storage.fsm import joined_to
from storage.repositories import (
    CategoryRepository,
    GroupRepository,
    ReporterRepository,
    ReportRepository,
    TeamRepository,
)
from storage.schemas import ReporterRow
from storage.sqlite_loop import on_loop

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class Repos:
    """The repositories a handler may use, all on the update's one session."""

    session: AsyncSession
    teams: TeamRepository
    reporters: ReporterRepository
    reports: ReportRepository
    categories: CategoryRepository
    groups: GroupRepository

    @classmethod
    def on(cls, session: AsyncSession, identity_key: bytes = b"") -> Repos:
        return cls(session, TeamRepository(session),
                   ReporterRepository(session, identity_key=identity_key),
                   ReportRepository(session), CategoryRepository(session),
                   GroupRepository(session))


class DatabaseMiddleware(BaseMiddleware):
    """A session per update; FSM storage on SQL joins it (so it runs before aiogram's FSM
    middleware, whose state read is then the update's first statement, not a transaction of
    its own). What is left uncommitted when the update ends is rolled back: CommitMiddleware
    commits on success, inside the event isolation lock."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession],
                 identity_key: bytes, *, read_ahead: bool = True) -> None:
        self.sessionmaker = sessionmaker
        self.identity_key = identity_key
        # Conversation state on SQL: a person's first FSM read brings their reporter row along
        # (storage/fsm.py). Not when it is in Redis, where nothing would use the key.
        self.read_ahead = read_ahead

    async def __call__(self, handler: Handler, event: TelegramObject,
                       data: dict[str, Any]) -> Any:
        # The update's SQLite calls, its closing rollback included, run on the event loop's
        # thread (storage/sqlite_loop.py).
        with on_loop():
            session = self.sessionmaker()
            try:
                repos = data["repos"] = Repos.on(session, self.identity_key)
                user = _person(data) if self.read_ahead else None
                reporter_key = repos.reporters.key_for(user.id) if user is not None else None
                with joined_to(session, reporter_key=reporter_key):
                    return await handler(event, data)
            finally:
                await _close(session)


async def _close(session: AsyncSession) -> None:
    """Close (and so roll back) the update's session if it began a transaction. Most updates
    never begin one, their statements being hot (storage/hot/), and closing a session that
    holds no transaction still ran AsyncSession.close in a greenlet of its own; objects it
    loaded and committed are let go with the session itself."""
    if session.in_transaction():
        await session.close()


def _person(data: dict[str, Any]) -> User | None:
    """Who sent the update, if it is a person in a private chat with the bot."""
    user: User | None = data.get("event_from_user")
    chat: Chat | None = data.get("event_chat")
    if user is not None and chat is not None and chat.type == "private" and not user.is_bot:
        return user
    return None


async def commit_pending(session: AsyncSession) -> None:
    """Commit what the session has begun (adding or changing an object begins it too), then
    the writes deferred outside it (storage/hot/); nothing when there is neither: an update
    commits before each message it sends, often with nothing new since the last."""
    await hot.commit(session)


class CommitMiddleware(BaseMiddleware):
    """Commits the update's session when its handler succeeds, before the person's lock is
    released, so their next update reads what this one wrote."""

    async def __call__(self, handler: Handler, event: TelegramObject,
                       data: dict[str, Any]) -> Any:
        result = await handler(event, data)
        await commit_pending(data["repos"].session)
        return result


class PersonMiddleware(BaseMiddleware):
    """Finds (or records) the reporter behind a private-chat update and picks their language."""

    def __init__(self, translator: Translator) -> None:
        self.translator = translator

    async def __call__(self, handler: Handler, event: TelegramObject,
                       data: dict[str, Any]) -> Any:
        user = _person(data)
        reporter = await self._reporter(data["repos"], user) if user is not None else None
        saved = reporter.language if reporter is not None else None
        data["reporter"] = reporter
        sender: User | None = data.get("event_from_user")
        data["language"] = self.translator.choose(saved, sender.language_code if sender else None)
        return await handler(event, data)

    async def _reporter(self, repos: Repos, user: User) -> ReporterRow:
        reporter = await repos.reporters.get_by_telegram_id(telegram_user_id=user.id)
        if reporter is None:
            return await repos.reporters.create(telegram_user_id=user.id)
        return reporter
