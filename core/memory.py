"""The garbage collector set for a process that serves for days: `settle()` once started.

Under load, CPython's default thresholds (700, 10, 10) ran a full collection often, and each
walked the hundreds of thousands of objects that start-up leaves for good (SQLAlchemy,
pydantic, FastAPI, SQLAdmin, Babel, aiogram) plus the updates in flight, while every update
waited: those pauses made most of the slowest replies (bench/RESULTS.md).

`settle()` collects once and freezes what exists (gc.freeze: those objects are never walked
again, and nothing frozen is garbage, since it is all in use for the process's life), then
lets the young generation grow to THRESHOLDS' 10,000 objects (a young collection stays short)
and makes the older ones rarer. Cycles are still found: most die young, and a full collection
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
