"""Storage fixtures: a team with one report, and a session acting for a curator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repositories import TeamRepository
from tests.storage.builders import CURATOR, store_report


@pytest.fixture
async def report_id(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """A report of team "Oak House", stored and committed by the bot."""
    async with sessionmaker.begin() as session:
        team = await TeamRepository(session).create(name="Oak House", places=["Lounge"])
        report = await store_report(session, team.id)
    return report.id


@pytest.fixture
async def curator(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session acting for admin user 7, ana@example.org; the test commits what it keeps."""
    async with sessionmaker() as session:
        session.info["actor"] = CURATOR
        yield session
