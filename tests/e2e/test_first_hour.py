"""A newcomer's first hour with the `nearmiss` command: every mistake answered in one
`nearmiss: ...` line naming the setting, exit code 2, no traceback, nothing written."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Team
from tests.e2e.test_process import _env, _free_port, _nearmiss
from tests.helpers import backend


def _one_line_naming(err: str, out: str, setting: str) -> None:
    assert "Traceback" not in err + out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nearmiss: ") and setting in lines[0], err


def _closed_port() -> int:
    return _free_port()  # bound and let go: nothing listens there


@pytest.mark.parametrize(("url", "says"), [
    ("not-a-url", "sqlite+aiosqlite:///"),
    ("sqlite:///{tmp}/x.db", "write sqlite+aiosqlite:///{tmp}/x.db"),
    ("mysql://user:secret@localhost/nearmiss", "does not support"),
    ("postgres://user:secret@localhost/nearmiss", "postgresql+asyncpg://user:***@localhost"),
    ("sqlite+aiosqlite:///{tmp}/a-file/x.db", "cannot be created"),
    ("postgresql+asyncpg://postgres@127.0.0.1:{closed}/nearmiss", "cannot reach PostgreSQL"),
])
async def test_a_database_url_nearmiss_cannot_use_is_refused_in_one_line_naming_it(
        url: str, says: str, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    closed = _closed_port()
    url, says = (text.format(tmp=tmp_path, closed=closed) for text in (url, says))
    code, out, err = await _nearmiss("migrate", env=_env(url), cwd=tmp_path)
    assert code == 2
    _one_line_naming(err, out, "DATABASE_URL")
    assert says in err and "secret" not in err
    assert not (tmp_path / "x.db").exists() and not (tmp_path / "data").exists()


async def test_a_missing_postgresql_database_is_named_with_what_to_do(tmp_path: Path) -> None:
    if not backend.POSTGRES_URL:
        pytest.skip("needs a PostgreSQL server (NEARMISS_TEST_POSTGRES_URL)")
    url = make_url(backend.POSTGRES_URL).set(database="nearmiss_missing_xyz")
    code, out, err = await _nearmiss(
        "migrate", env=_env(url.render_as_string(hide_password=False)), cwd=tmp_path)
    assert code == 2
    _one_line_naming(err, out, "DATABASE_URL")
    assert "'nearmiss_missing_xyz', which does not exist" in err and "createdb" in err


@pytest.mark.parametrize("command", [("run",), ("bot",), ("admin",), ("team", "list"),
                                     ("create-admin", "--email", "lead@example.org"),
                                     ("reset-two-factor", "--email", "lead@example.org"),
                                     ("reports", "import", "history.csv")])
async def test_every_command_checks_the_database_url_before_anything_else(
        command: tuple[str, ...], tmp_path: Path) -> None:
    code, out, err = await _nearmiss(*command, env=_env(f"sqlite:///{tmp_path}/x.db"),
                                     cwd=tmp_path)
    assert code == 2
    _one_line_naming(err, out, "DATABASE_URL")
    assert f"sqlite+aiosqlite:///{tmp_path}/x.db" in err and not (tmp_path / "x.db").exists()


async def test_a_log_level_that_is_not_a_level_is_refused_naming_log_level(
        database_url: str, tmp_path: Path) -> None:
    env = {**_env(database_url), "LOG_LEVEL": "verbose"}
    code, out, err = await _nearmiss("migrate", env=env, cwd=tmp_path)
    assert code == 2
    _one_line_naming(err, out, "LOG_LEVEL")
    assert "'DEBUG', 'INFO'" in err


async def _team_count(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Team)) or 0


@pytest.mark.parametrize(("args", "says"), [
    (("",), "a team needs a name"),
    (("   ",), "a team needs a name"),
    (("Rosewood House", "--place", "Lounge", "--place", " lounge "), "'Lounge' is given more"),
    (("Rosewood House", "--place", " "), "every --place needs a name"),
])
async def test_team_add_refuses_a_blank_name_or_a_place_twice_and_creates_nothing(
        args: tuple[str, ...], says: str, database_url: str, tmp_path: Path,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    code, out, err = await _nearmiss("team", "add", *args, env=_env(database_url), cwd=tmp_path)
    assert code == 2
    _one_line_naming(err, out, says)
    assert await _team_count(sessionmaker) == 0


async def test_team_add_refuses_a_name_taken_in_another_case(
        database_url: str, tmp_path: Path,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    env = _env(database_url)
    code, out, _ = await _nearmiss("team", "add", "  Rosewood House ", "--place", " Lounge ",
                                   env=env, cwd=tmp_path)
    assert code == 0 and "Rosewood House\n" in out and "places:      Lounge\n" in out
    code, out, err = await _nearmiss("team", "add", "rosewood house", env=env, cwd=tmp_path)
    assert code == 2
    _one_line_naming(err, out, "'Rosewood House' already exists")
    assert await _team_count(sessionmaker) == 1


async def test_create_admin_refuses_a_taken_email_before_asking_the_password(
        database_url: str, tmp_path: Path,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async def create(email: str) -> tuple[int, str, str]:
        # No password on stdin: a command that asked for one would answer about the password.
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "nearmiss.cli", "create-admin", "--email", email,
            env=_env(database_url), cwd=tmp_path, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(process.communicate(), 60)
        return process.returncode or 0, out.decode(), err.decode()

    code, out, err = await create("not an email")
    assert code == 2
    _one_line_naming(err, out, "--email: not an email address")
    code, out, err = await create("lead@example.org")
    assert code == 2 and "at least 12 characters" in err  # asked, and got nothing
    from storage.repositories import AdminUserRepository

    async with sessionmaker() as session:
        await AdminUserRepository(session).create(email="lead@example.org", password_hash="h",
                                                  role="admin")
        await session.commit()
    code, out, err = await create("Lead@Example.org")
    assert code == 2
    _one_line_naming(err, out, "a user lead@example.org already exists")


async def test_a_busy_admin_port_is_refused_naming_it_before_anything_starts(
        database_url: str, tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        env = _env(database_url, BOT_TOKEN="", ADMIN_PORT=str(port), DATA_DIR=str(tmp_path))
        code, out, err = await _nearmiss("run", env=env, cwd=tmp_path)
    assert code == 2
    _one_line_naming(err, out, f"ADMIN_PORT {port} on ADMIN_HOST 127.0.0.1 is already in use")
    assert "still being served" not in err


async def test_run_shows_how_to_make_the_first_admin_and_stops_quietly_on_sigint(
        database_url: str, tmp_path: Path) -> None:
    port = _free_port()
    env = _env(database_url, BOT_TOKEN="", ADMIN_PORT=str(port), DATA_DIR=str(tmp_path))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nearmiss.cli", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(300):  # up to ~30 s for a cold start, checking every 0.1 s
                try:
                    await http.get("/healthz")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            assert (await http.get("/admin/login")).status_code == 200  # the pool has a conn
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = await asyncio.wait_for(process.communicate(), 60)
    output = out.decode()
    assert process.returncode == 0
    assert "nearmiss: no administrator yet: run .venv/bin/nearmiss create-admin --email " \
           "you@example.org" in output
    assert "Traceback" not in output and "Exception closing connection" not in output


async def test_the_first_sign_in_hint_is_gone_once_a_user_exists(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    from nearmiss.users import first_sign_in_hint
    from storage.repositories import AdminUserRepository

    assert "create-admin" in (await first_sign_in_hint(sessionmaker, "http://x") or "")
    async with sessionmaker() as session:
        await AdminUserRepository(session).create(email="lead@example.org", password_hash="h",
                                                  role="admin")
        await session.commit()
    assert await first_sign_in_hint(sessionmaker, "http://x") is None
