"""Run the Alembic migrations from code; no alembic.ini needed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str, identity_key: bytes | None = None) -> Config:
    """Build the Alembic config for a database, pointing at the packaged migrations."""
    config = Config()
    # ConfigParser interpolates %, so a path containing one must be escaped.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    # An attribute rather than a main option: the URL may hold a password with % in it.
    config.attributes["database_url"] = database_url
    # Migration 0008 pseudonymises stored reporters with it (storage.identity).
    config.attributes["identity_key"] = identity_key
    return config


def upgrade(database_url: str, revision: str = "head", *,
            identity_key: bytes | None = None) -> None:
    """Migrate the database up to a revision."""
    command.upgrade(alembic_config(database_url, identity_key), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Migrate the database down to a revision ("base" empties it)."""
    command.downgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "head", *,
                        identity_key: bytes | None = None) -> None:
    """Migrate from async code; env.py runs its own event loop, so it gets a thread."""
    await asyncio.to_thread(upgrade, database_url, revision, identity_key=identity_key)
