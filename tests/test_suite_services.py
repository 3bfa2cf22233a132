"""Under CI=true a test server that cannot be reached fails the run; it is never skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
