"""Time the pattern pass (bot/patterns.py) for one new report against a window of stored ones.

Run: .venv/bin/python -m bench.pattern_pass_bench [--stored 10000] [--runs 5] [--keep FILE]
(--keep: seed FILE once and use it again on later runs)

A fresh SQLite database gets `--stored` reports of one team, all within the window of the new
ones, each with a stored vector (random unit vectors: no two alike, so the window is compared
in full and no pattern is found), then each run files one report and times one pass over it:
its vector made by the model, the window read, compared and the queue left. A last run files
a report whose vector lies close to two stored ones, so the pass also records an alert, labels
it and queues a heads-up.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import delete

from bot.patterns import PatternWatch, embed_with_model
from core.i18n import Translator
from core.settings import locales_dir
from learning.embedding import model_id
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade_async
from storage.models import PatternCheck
from storage.repositories import TeamRepository, VectorRepository
from storage.vectors import to_bytes
from tests.storage.builders import store_report

DAY = date(2026, 3, 1)
PAGE = 1000


def _unit(rng: np.random.Generator, count: int) -> np.ndarray:
    vectors = rng.standard_normal((count, 384)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


async def _seed(sessionmaker: object, stored: int, rng: np.random.Generator) -> int:
    async with sessionmaker.begin() as session:  # type: ignore[attr-defined]
        team = await TeamRepository(session).create(name="Rosewood", places=["Kitchen"])
    for start in range(0, stored, PAGE):
        async with sessionmaker.begin() as session:  # type: ignore[attr-defined]
            ids = [(await store_report(session, team.id, place="Kitchen",
                                       occurred_date=DAY + timedelta(days=n % 30))).id
                   for n in range(start, min(stored, start + PAGE))]
            await VectorRepository(session).save(
                vectors={i: to_bytes(v) for i, v in zip(ids, _unit(rng, len(ids)), strict=True)},
                model=model_id())
            await session.execute(delete(PatternCheck))
    return team.id


async def _one_pass(sessionmaker: object, watch: PatternWatch, team_id: int) -> float:
    async with sessionmaker.begin() as session:  # type: ignore[attr-defined]
        await store_report(session, team_id, place="Kitchen", occurred_date=DAY + timedelta(15),
                           draft_key=f"bench-{uuid.uuid4().hex}")
    started = time.perf_counter()
    assert await watch.check_batch() == 1
    return time.perf_counter() - started


async def main(stored: int, runs: int, keep: Path | None) -> None:
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as folder:
        path = keep or Path(folder) / "bench.db"
        seeded = path.exists()
        url = f"sqlite+aiosqlite:///{path}"
        await upgrade_async(url)
        engine = create_engine(url)
        sessionmaker = create_sessionmaker(engine)
        seeding = time.perf_counter()
        team_id = 1 if seeded else await _seed(sessionmaker, stored, rng)
        print(f"seeded {stored:,} reports with vectors in {time.perf_counter() - seeding:.1f} s")
        translator = Translator(locales_dir(), "en")
        embed_with_model(["warm up"])
        watch = PatternWatch(sessionmaker, translator, min_reports=3, window_days=30)
        times = [await _one_pass(sessionmaker, watch, team_id) for _ in range(runs)]
        print(f"one new report, window {stored:,}: median {statistics.median(times) * 1000:.0f} "
              f"ms, min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
              f"(model included)")
        near = _unit(rng, 1)[0]
        fixed = PatternWatch(sessionmaker, translator, min_reports=3, window_days=30,
                             embed=lambda texts: np.stack([near] * len(texts)))
        without = [await _one_pass(sessionmaker, fixed, team_id) for _ in range(3)]
        print(f"without the model (one vector for each new report, so the third run finds a "
              f"pattern of 3, records it and labels it): "
              f"{', '.join(f'{t * 1000:.0f} ms' for t in without)}")
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stored", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    asyncio.run(main(args.stored, args.runs, args.keep))
