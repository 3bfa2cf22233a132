"""Shared fixtures: a migrated database per test (a SQLite file, or a PostgreSQL database on
the suite's PostgreSQL pass), its engine and sessions."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade_async
from tests.helpers import backend


def pytest_report_header() -> str:
    return f"nearmiss test database: {backend.BACKEND}"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fail at once, with the reason, when a promised server cannot be reached.

    The PostgreSQL pass always needs its server; under CI=true any configured server must
    answer, so a broken service fails the run instead of quietly skipping its tests.
    """
    if backend.ON_POSTGRES and not backend.POSTGRES_URL:
        pytest.exit("NEARMISS_TEST_DATABASE=postgresql needs NEARMISS_TEST_POSTGRES_URL "
                    "(for example postgresql+asyncpg://postgres@127.0.0.1:5432/test)",
                    returncode=1)
    checks = []
    if backend.ON_POSTGRES or (backend.IN_CI and backend.POSTGRES_URL):
        checks.append(("PostgreSQL", "NEARMISS_TEST_POSTGRES_URL", backend.check_postgres))
    if backend.IN_CI and backend.REDIS_URL:
        checks.append(("Redis", "NEARMISS_TEST_REDIS_URL", backend.check_redis))
    for name, variable, check in checks:
        try:
            asyncio.run(asyncio.wait_for(check(), timeout=10))
        except Exception as error:  # noqa: BLE001 - any failure to connect ends the run
            pytest.exit(f"{name} at {variable} cannot be reached: "
                        f"{type(error).__name__}: {error}", returncode=1)
    if backend.ON_POSTGRES:
        asyncio.run(backend.drop_orphans())  # what killed runs left on the server


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database migrated to head per test run; each test gets a copy of it.

    SQLite: a file (its path). PostgreSQL: a template database (its name) on the server.
    """
    if not backend.ON_POSTGRES:
        path = tmp_path_factory.mktemp("template") / "nearmiss.db"
        asyncio.run(upgrade_async(f"sqlite+aiosqlite:///{path}"))
        yield str(path)
        return
    name = backend.new_name("nearmiss_template")
    url = asyncio.run(backend.create_database(name))
    try:
        asyncio.run(upgrade_async(url))
        yield name
    finally:
        asyncio.run(backend.drop_database(name))


@pytest.fixture
async def database_url(tmp_path: Path, migrated_template: str) -> AsyncIterator[str]:
    """A database of the test's own at the latest migration: a copy of the template."""
    if not backend.ON_POSTGRES:
        path = tmp_path / "nearmiss.db"
        shutil.copyfile(migrated_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    # CREATE DATABASE ... TEMPLATE copies files: faster than migrating, and fully isolated.
    name = backend.new_name("t")
    yield await backend.create_database(name, template=migrated_template)
    await backend.drop_database(name)


@pytest.fixture
async def empty_database_url(tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the test's own, for migrating step by step with data in it."""
    if not backend.ON_POSTGRES:
        yield f"sqlite+aiosqlite:///{tmp_path}/old.db"
        return
    name = backend.new_name("e")
    yield await backend.create_database(name)
    await backend.drop_database(name)


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
