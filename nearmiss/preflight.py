"""Checks made before a command asks anything or writes anything: the database DATABASE_URL
names can be used, and the port the admin is to listen on is free.

Each returns one sentence naming the setting and what to do, or None; the CLI prints it as
`nearmiss: ...` and stops, instead of a driver's traceback after half a start.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
from collections.abc import Iterator

import asyncpg
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import sqlite_path

# The drivers nearmiss is built and tested with, by database.
DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
BACKENDS = {"postgres": "postgresql"}  # a spelling many hosting providers give
EXAMPLES = ("sqlite+aiosqlite:///./data/nearmiss.db or "
            "postgresql+asyncpg://user:password@localhost:5432/nearmiss")
CONNECT_TIMEOUT = 10.0  # seconds; a firewall that drops packets would otherwise hang a minute


def database_problem(database_url: str) -> str | None:
    """Why DATABASE_URL cannot be used, or None: its shape and driver, then the SQLite
    file's folder or the PostgreSQL server and database."""
    try:
        url = make_url(database_url)
    except ArgumentError:  # not echoed: a mistyped URL may still hold a password
        return f"DATABASE_URL is not a database URL; set it to {EXAMPLES}."
    problem = driver_problem(url)
    if problem is None and url.get_backend_name() == "sqlite":
        problem = sqlite_folder_problem(url)
    elif problem is None:
        problem = asyncio.run(postgres_problem(url))
    return problem


def driver_problem(url: URL) -> str | None:
    """A database nearmiss does not support, or a supported one without its async driver."""
    backend = BACKENDS.get(url.get_backend_name(), url.get_backend_name())
    if backend not in DRIVERS:
        return (f"DATABASE_URL names the database {url.get_backend_name()!r}, which nearmiss "
                f"does not support; use SQLite or PostgreSQL, e.g. {EXAMPLES}.")
    if url.drivername != DRIVERS[backend]:
        fixed = url.set(drivername=DRIVERS[backend]).render_as_string(hide_password=True)
        password = " (your password in place of ***)" if url.password else ""
        return (f"DATABASE_URL must name the async driver {DRIVERS[backend]}: write "
                f"{fixed}{password} instead of {url.drivername}://...")
    if backend == "postgresql" and not url.database:
        fixed = url.set(database="nearmiss").render_as_string(hide_password=True)
        return f"DATABASE_URL names no database; add its name at the end, e.g. {fixed}."
    return None


def sqlite_folder_problem(url: URL) -> str | None:
    """The SQLite file's folder made if missing; a folder that cannot be made or written."""
    path = sqlite_path(url)
    if path is None:  # in memory
        return None
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return (f"DATABASE_URL puts the database in {folder}, which cannot be created "
                f"({error.strerror}); point DATABASE_URL at a folder you can write to.")
    if not os.access(folder, os.W_OK | os.X_OK) or \
            (path.exists() and not os.access(path, os.R_OK | os.W_OK)):
        return (f"DATABASE_URL puts the database at {path}, which this user cannot write; "
                f"point DATABASE_URL at a folder you can write to, or fix its permissions.")
    return None


async def postgres_problem(url: URL) -> str | None:
    """Connect once: a server that does not answer, refuses the user, or lacks the database."""
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    engine = create_async_engine(url, connect_args={"timeout": CONNECT_TIMEOUT})
    try:
        async with engine.connect():
            return None
    except Exception as error:  # noqa: BLE001 - whatever the driver raised is described
        return _postgres_refusal(error, url, where)
    finally:
        await engine.dispose()


def _postgres_refusal(error: Exception, url: URL, where: str) -> str:
    for cause in _causes(error):
        if isinstance(cause, asyncpg.InvalidCatalogNameError):
            return (f"DATABASE_URL names the database {url.database!r}, which does not exist "
                    f"on the PostgreSQL server at {where}; create it (createdb "
                    f"{url.database}) or correct DATABASE_URL.")
        if isinstance(cause, (asyncpg.InvalidPasswordError,
                              asyncpg.InvalidAuthorizationSpecificationError)):
            return (f"the PostgreSQL server at {where} refused the user {url.username!r}; "
                    f"check the user name and password in DATABASE_URL.")
        if isinstance(cause, (OSError, TimeoutError)):
            reason = getattr(cause, "strerror", None) or "no answer"
            return (f"cannot reach PostgreSQL at {where} ({reason}); start the server, or "
                    f"correct the host and port in DATABASE_URL.")
    return (f"the PostgreSQL server at {where} refused the connection "
            f"({type(error).__name__}); check DATABASE_URL.")


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error, and what it wraps: SQLAlchemy's DBAPIError holds the driver's in .orig."""
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.orig if isinstance(seen, DBAPIError) else (seen.__cause__
                                                               or seen.__context__)


def port_problem(host: str, port: int) -> str | None:
    """Bind ADMIN_HOST:ADMIN_PORT as the server will (address reuse on, as uvicorn does), and
    let it go: another program listening there, or an address this machine does not have."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError):
        return (f"ADMIN_HOST {host!r} is not an address of this machine; use 127.0.0.1 "
                f"(this machine only) or 0.0.0.0 (every network interface).")
    except OverflowError:
        return f"ADMIN_PORT {port} is not a port number; use one from 1024 to 65535, e.g. 8000."
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return (f"ADMIN_PORT {port} on ADMIN_HOST {host} is already in use (is "
                        f"nearmiss already running?); stop the other program, or set "
                        f"ADMIN_PORT to a free port in .env.")
            return (f"cannot listen on ADMIN_HOST {host} at ADMIN_PORT {port} "
                    f"({error.strerror}); set ADMIN_HOST and ADMIN_PORT in .env.")
    return None
