"""A serving process freezes what start-up left and makes full collections rare."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

from core import memory

# worker_app() is what each `nearmiss run --workers N` process (and uvicorn --factory) builds.
PROBE = """
import gc, json
before = [gc.get_threshold(), gc.get_freeze_count()]
from nearmiss.serve import worker_app
worker_app()
print(json.dumps([before, [gc.get_threshold(), gc.get_freeze_count()]]))
"""


def test_a_worker_process_settles_its_garbage_collector(tmp_path: Path) -> None:
    # In a process of its own: freezing the test process would keep every test's garbage.
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "WEBHOOK_URL",
                                                          "REDIS_URL"}}
    env.update(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'probe.db'}",
               DATA_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True, env=env, cwd=tmp_path).stdout
    (before_thresholds, before_frozen), (after_thresholds, after_frozen) = json.loads(
        out.splitlines()[-1])
    assert before_frozen == 0
    assert tuple(before_thresholds) != memory.THRESHOLDS
    assert after_frozen > 100_000  # the app and the libraries behind it
    assert tuple(after_thresholds) == memory.THRESHOLDS


def test_the_test_process_keeps_cpythons_defaults() -> None:
    assert gc.get_threshold() != memory.THRESHOLDS
    assert gc.get_freeze_count() == 0
