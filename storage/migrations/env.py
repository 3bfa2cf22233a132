"""Alembic environment: async engine from storage.db, batch mode for SQLite."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import event
from sqlalchemy.engine import Connection

from storage.db import create_engine
from storage.models import Base, UTCDateTime
from storage.search_index import is_index_table

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    """Return the URL handed over by storage.migrate, or the one in an alembic.ini."""
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: use storage.migrate.upgrade(database_url)")
    return str(url)


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our column types as plain SQLAlchemy ones, so migrations never import models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def configure(**kwargs: Any) -> None:
    """Configure the migration context the same way online and offline."""
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
        # The FTS index (0003) is SQLite's own structure, not a model: autogenerate leaves it.
        include_name=lambda name, kind, parent: not is_index_table(name),
        # storage.db makes SQLite transactions real, so a failed upgrade rolls back whole.
        transactional_ddl=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """Emit the migration SQL without connecting."""
    configure(url=database_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    """Run the migrations on one connection, in one transaction."""
    configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            _check_foreign_keys(connection)


def _check_foreign_keys(connection: Connection) -> None:
    """Fail the migration (and roll it back) if it left dangling foreign keys."""
    problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise RuntimeError(f"migration left foreign key violations: {problems[:10]}")


def _foreign_keys_off(dbapi_connection: Any, connection_record: Any) -> None:
    """Disable foreign keys for the migration connection."""
    # A batch-mode table rebuild drops the old table; with foreign keys on, SQLite turns
    # that DROP into a DELETE and cascades it into the child tables.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()


async def run_async_migrations() -> None:
    """Connect with the application's engine settings and run the migrations."""
    engine = create_engine(database_url())
    if engine.dialect.name == "sqlite":
        # Registered after storage.db's listener, so it runs after it and wins.
        event.listen(engine.sync_engine, "connect", _foreign_keys_off)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async_migrations())
