"""Committing before each message: skipped when the update has nothing begun or pending,
never when something added is still waiting for its flush."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.middlewares import commit_pending
from storage.models import Team


async def test_only_a_session_with_something_to_commit_commits(
        sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch) -> None:
    async with sessionmaker() as session:
        commits: list[int] = []
        commit = session.commit

        async def counted() -> None:
            commits.append(1)
            await commit()

        monkeypatch.setattr(session, "commit", counted)
        await commit_pending(session)  # nothing begun
        assert commits == []
        await session.execute(text("SELECT 1"))  # a transaction begun by a read
        await commit_pending(session)
        assert commits == [1]
        await commit_pending(session)  # just committed: nothing since
        assert commits == [1]
        team = Team(name="Oak House", code="ABCDEFGH")
        session.add(team)  # added, not yet flushed
        await commit_pending(session)
        assert commits == [1, 1]
        team.name = "Elm House"  # changed since, not yet flushed
        await commit_pending(session)
        assert commits == [1, 1, 1]
    async with sessionmaker() as session:
        assert await session.scalar(select(Team.name)) == "Elm House"
