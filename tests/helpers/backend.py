"""Which database the suite runs on, and fresh PostgreSQL databases cut from a template.

`make test` runs the suite twice when NEARMISS_TEST_POSTGRES_URL is set: on SQLite, then with
NEARMISS_TEST_DATABASE=postgresql. A test about SQLite itself (its file, PRAGMAs, FTS5) skips
the second pass with `sqlite_only(reason)`; everything else runs on both.
"""

from __future__ import annotations

import os
import re
import secrets

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

BACKEND = os.environ.get("NEARMISS_TEST_DATABASE", "sqlite")
ON_POSTGRES = BACKEND == "postgresql"
POSTGRES_URL = os.environ.get("NEARMISS_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("NEARMISS_TEST_REDIS_URL", "")
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")


def sqlite_only(reason: str) -> pytest.MarkDecorator:
    """Skip on the PostgreSQL pass: the test is about SQLite itself, and says why."""
    return pytest.mark.skipif(ON_POSTGRES, reason=f"SQLite only: {reason}")


postgres_only = pytest.mark.skipif(not ON_POSTGRES,
                                   reason="PostgreSQL only: runs in the PostgreSQL pass")


def server_url() -> URL:
    """The PostgreSQL server the suite may create databases on."""
    if not POSTGRES_URL:
        raise RuntimeError("NEARMISS_TEST_DATABASE=postgresql needs NEARMISS_TEST_POSTGRES_URL")
    url = make_url(POSTGRES_URL)
    if url.get_backend_name() != "postgresql":
        raise RuntimeError(f"NEARMISS_TEST_POSTGRES_URL is not PostgreSQL: {url.drivername}")
    return url


def database(name: str) -> str:
    """The URL of another database on the same server (password kept)."""
    return server_url().set(database=name).render_as_string(hide_password=False)


def new_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"


async def execute(*statements: str) -> None:
    """Run statements on the server's own database outside a transaction (CREATE DATABASE)."""
    engine = create_async_engine(server_url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def create_database(name: str, template: str | None = None) -> str:
    """Create an empty database (or a copy of a template) and return its URL."""
    suffix = f' TEMPLATE "{template}"' if template else ""
    await execute(f'CREATE DATABASE "{name}"{suffix}')
    return database(name)


async def drop_database(name: str) -> None:
    """Drop a database even if a connection was left open (PostgreSQL 13+)."""
    await execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# What the suite and bench/ name their databases: <prefix>_<pid of the creating process>_...
OWNED = re.compile(r"^(?:t|e|nearmiss_template|nearmiss_load)_(\d+)_\w+$")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    return True


async def drop_orphans() -> list[str]:
    """Drop the databases a killed run left behind: ours by name, made by a process of this
    machine that is no longer running (a live run's, or another machine's, are left alone
    unless a process of that number runs here; then they are kept, which is safe)."""
    engine = create_async_engine(server_url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            names = list(await connection.scalars(text("SELECT datname FROM pg_database")))
    finally:
        await engine.dispose()
    orphans = [name for name in names
               if (owned := OWNED.match(name)) and not _running(int(owned.group(1)))]
    for name in orphans:
        await drop_database(name)
    return orphans


async def check_postgres() -> None:
    """Connect once, so an unreachable server fails the run with a clear message."""
    await execute("SELECT 1")


async def check_redis() -> None:
    """Ping the test Redis server."""
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        await client.ping()
    finally:
        await client.aclose()
