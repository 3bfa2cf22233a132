"""Data files are created readable by their owner alone: the database, its WAL and
shared-memory files, and the development secret key."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from core.settings import Settings, admin_secret
from storage.db import create_engine


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The usual umask (022), under which files are created world-readable by default."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_data_files_are_created_owner_only(tmp_path: Path,
                                                 permissive_umask: None) -> None:
    database = tmp_path / "data" / "nearmiss.db"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (x INTEGER)"))
            await connection.execute(text("INSERT INTO t VALUES (1)"))
        wal, shm = Path(f"{database}-wal"), Path(f"{database}-shm")
        assert wal.exists() and shm.exists()
        assert {path.name: _mode(path) for path in (database, wal, shm)} == {
            database.name: 0o600, wal.name: 0o600, shm.name: 0o600}
        assert _mode(database.parent) == 0o700
    finally:
        await engine.dispose()


def test_the_development_secret_key_is_owner_only(tmp_path: Path,
                                                  permissive_umask: None) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    key = admin_secret(settings)
    path = tmp_path / "data" / "secret_key"
    assert _mode(path) == 0o600 and len(key) >= 32
    assert admin_secret(settings) == key  # kept across restarts
