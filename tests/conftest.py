"""Shared fixtures: a migrated SQLite file per test, its engine and sessions."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade_async


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head per test run; each test gets a copy of it."""
    path = tmp_path_factory.mktemp("template") / "nearmiss.db"
    asyncio.run(upgrade_async(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
async def database_url(tmp_path: Path, migrated_template: Path) -> str:
    """A SQLite file in the test's own directory, at the latest migration."""
    path = tmp_path / "nearmiss.db"
    shutil.copyfile(migrated_template, path)
    return f"sqlite+aiosqlite:///{path}"


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
