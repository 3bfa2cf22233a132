"""The update's session: rolled back and closed when the update fails part-way, and not
closed at all when the update never began it (its statements were hot)."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.types import TelegramObject
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.middlewares import DatabaseMiddleware, Repos
from storage.models import Team


async def _run(sessionmaker: async_sessionmaker[AsyncSession], handler: Any) -> Any:
    middleware = DatabaseMiddleware(sessionmaker, b"k" * 32, read_ahead=False)
    return await middleware(handler, TelegramObject(), {})


async def test_a_failed_update_is_rolled_back_and_gives_its_connection_back(
        sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine) -> None:
    async def fails(event: TelegramObject, data: dict[str, Any]) -> None:
        repos: Repos = data["repos"]
        repos.session.add(Team(name="Oak House", code="OAKHOUSE"))
        await repos.session.flush()
        raise RuntimeError("the handler failed")

    with pytest.raises(RuntimeError):
        await _run(sessionmaker, fails)
    assert engine.sync_engine.pool.checkedout() == 0
    async with sessionmaker() as check:
        assert await check.scalar(select(func.count()).select_from(Team)) == 0


async def test_an_update_that_began_nothing_is_not_closed(
        sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[AsyncSession] = []
    close = AsyncSession.close

    async def counted(self: AsyncSession) -> None:
        closed.append(self)
        await close(self)

    monkeypatch.setattr(AsyncSession, "close", counted)

    async def nothing(event: TelegramObject, data: dict[str, Any]) -> str:
        return "answered"

    assert await _run(sessionmaker, nothing) == "answered"
    assert closed == []

    async def begins(event: TelegramObject, data: dict[str, Any]) -> None:
        await data["repos"].session.execute(select(Team.id))

    await _run(sessionmaker, begins)
    assert len(closed) == 1
