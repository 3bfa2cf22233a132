"""Under CI=true a test server that cannot be reached fails the run; it is never skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import backend
from tests.helpers.backend import postgres_only

ROOT = Path(__file__).resolve().parent.parent
UNREACHABLE = {"NEARMISS_TEST_POSTGRES_URL": "postgresql+asyncpg://postgres@127.0.0.1:1/test",
               "NEARMISS_TEST_REDIS_URL": "redis://127.0.0.1:1/0"}


def _pytest(**env: str) -> subprocess.CompletedProcess[str]:
    base = {key: value for key, value in os.environ.items()
            if not key.startswith("NEARMISS_TEST_") and key != "CI"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/conversations/test_parsing.py"],
        cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("variable", "server"), [
    ("NEARMISS_TEST_POSTGRES_URL", "PostgreSQL"), ("NEARMISS_TEST_REDIS_URL", "Redis")])
def test_in_ci_an_unreachable_server_fails_the_run(variable: str, server: str) -> None:
    result = _pytest(CI="true", **{variable: UNREACHABLE[variable]})
    assert result.returncode == 1
    assert f"{server} at {variable} cannot be reached" in result.stdout + result.stderr


def test_on_a_laptop_an_unset_server_is_simply_not_used() -> None:
    assert _pytest().returncode == 0


@postgres_only
async def test_databases_left_by_a_killed_run_are_dropped_and_a_live_runs_kept() -> None:
    gone_pid = subprocess.Popen(["true"])  # a process that has ended: its pid is free
    gone_pid.wait()
    orphan, live = f"t_{gone_pid.pid}_deadbeef", f"t_{os.getpid()}_cafe0001"
    await backend.create_database(orphan)
    await backend.create_database(live)
    try:
        dropped = await backend.drop_orphans()
        assert orphan in dropped and live not in dropped
    finally:
        await backend.drop_database(orphan)
        await backend.drop_database(live)
