"""The garbage collector set for a process that serves for days: `settle()` once started.

Under bench/load.py's saturation run, CPython's default thresholds (700, 10, 10) ran a full
collection about every 1.3 s, and each took 100-300 ms: it walked the ~300,000 objects that
start-up leaves for good (SQLAlchemy, pydantic, FastAPI, SQLAdmin, Babel, aiogram) plus the
updates in flight, while every update waited. Those pauses were most of the p99 latency, and
2.5 s of a 16 s run.

`settle()` collects once and freezes what exists (gc.freeze: those objects are never walked
again, and nothing frozen is garbage, since it is all in use for the process's life), then
lets the young generation grow to 10,000 objects (a young collection took up to 12 ms) and
makes the older ones rarer. Cycles are still found: most die young, and a full collection
still runs every 50 x 100 young ones. Only the serving processes call it; tests and one-off
commands keep CPython's defaults.
"""

from __future__ import annotations

import gc

THRESHOLDS = (10_000, 50, 100)


def settle() -> None:
    """Call once, after start-up has built the app, before serving."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
