"""The packaged migrations build exactly the schema the models describe."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.db import create_engine
from storage.migrate import downgrade, upgrade_async
from storage.models import Base

TABLES = {
    "alembic_version",
    "fsm_states",
    "places",
    "reference_counters",
    "report_told",
    "reporters",
    "reports",
    "teams",
}


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _inspect(url: str, check):  # type: ignore[no-untyped-def]
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(check)
    finally:
        await engine.dispose()


async def test_migrations_on_an_empty_file_create_every_table(database_url: str) -> None:
    assert await _inspect(database_url, _tables) == TABLES


async def test_migrations_match_the_models(database_url: str) -> None:
    assert await _inspect(database_url, _differences) == []


async def test_migrations_create_the_database_directory(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/data/new/nearmiss.db"
    await upgrade_async(url)
    assert (tmp_path / "data" / "new" / "nearmiss.db").is_file()


async def test_downgrade_to_base_then_upgrade_again(database_url: str) -> None:
    await asyncio.to_thread(downgrade, database_url, "base")
    assert await _inspect(database_url, _tables) == {"alembic_version"}

    await upgrade_async(database_url)

    assert await _inspect(database_url, _tables) == TABLES
    assert await _inspect(database_url, _differences) == []
