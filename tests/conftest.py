"""Shared fixtures: a migrated SQLite file per test, its engine and sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade_async


@pytest.fixture
async def database_url(tmp_path: Path) -> str:
    """A SQLite file in the test's own directory, migrated to head."""
    url = f"sqlite+aiosqlite:///{tmp_path}/nearmiss.db"
    await upgrade_async(url)
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The application engine on the test database."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The application session factory."""
    return create_sessionmaker(engine)


@pytest.fixture
async def session(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One session; whatever the test does not commit is rolled back."""
    async with sessionmaker() as session:
        yield session
