"""Time the pattern pass (bot/patterns.py) for one new report against many stored ones.

Run: .venv/bin/python -m bench.pattern_pass_bench [--stored 100000] [--days 730] [--teams 10]
[--all-in-window] [--runs 7] [--keep FILE]
(--keep: seed FILE once and use it again on later runs with the same arguments)

A fresh SQLite database gets `--stored` reports (bench/seed.py: `--teams` teams with 4 to 8
places each, spread over the `--days` before the last day, more of them recent, as a growing
provider's history is), each with a stored vector (random unit vectors: no two alike, so the
window is compared in full and no pattern is found). `--all-in-window` puts every stored
report in the 30 days before the last day instead: the worst case, one window holding all.
Seeding runs in a child process, so the peak memory printed is the pass's process alone.

Then a PatternWatch, as the bot keeps one, checks one new report at a time, filed on the last
day: its first pass fills the watch's copy of the window; each later run files one report and
times one `check_batch()` (wall and CPU time of the process, the model's thread included).
It does so with the model embedding the new report's text (its time counted; the vector stored
is a random one, so the new reports, all worded alike, make no pattern among themselves), then
with no model (the pass alone). A last three runs file reports whose vectors lie close together,
so the third finds a pattern of three and records, labels and announces it.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.seed import seed
from bot.patterns import Embed, PatternWatch, embed_with_model
from core.i18n import Translator
from core.settings import locales_dir
from learning.embedding import model_id
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade_async
from storage.models import Report, ReportVector
from storage.models.base import utcnow
from storage.vectors import to_bytes
from tests.storage.builders import store_report

LAST_DAY = date(2026, 3, 1)
WINDOW_DAYS = 30
PAGE = 5000


@dataclass(frozen=True)
class Timed:
    wall: float
    cpu: float


def _unit(rng: np.random.Generator, count: int) -> np.ndarray:
    vectors = rng.standard_normal((count, 384)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


async def _seed(url: str, stored: int, days: int, teams: int) -> None:
    await upgrade_async(url)
    await seed(url, reports=stored, teams=teams, days=days, last_date=LAST_DAY)
    engine = create_engine(url)
    rng = np.random.default_rng(7)
    async with create_sessionmaker(engine).begin() as session:
        ids = list(await session.scalars(select(Report.id).order_by(Report.id)))
        for start in range(0, len(ids), PAGE):
            page = ids[start:start + PAGE]
            await session.execute(insert(ReportVector.__table__), [
                {"report_id": i, "model": model_id(), "vector": to_bytes(v), "made_at": utcnow()}
                for i, v in zip(page, _unit(rng, len(page)), strict=True)])
    await engine.dispose()


def _seed_apart(url: str, stored: int, days: int, teams: int) -> None:
    asyncio.run(_seed(url, stored, days, teams))


async def _one_pass(sessionmaker: async_sessionmaker[AsyncSession], watch: PatternWatch,
                    team_id: int) -> Timed:
    async with sessionmaker.begin() as session:
        await store_report(session, team_id, place="Kitchen", occurred_date=LAST_DAY,
                           draft_key=f"bench-{uuid.uuid4().hex}")
    wall, cpu = time.perf_counter(), time.process_time()
    assert await watch.check_batch() == 1
    return Timed(time.perf_counter() - wall, time.process_time() - cpu)


def _ms(values: list[float]) -> str:
    return (f"median {statistics.median(values) * 1000:.0f} ms, min {min(values) * 1000:.0f} "
            f"ms, max {max(values) * 1000:.0f} ms")


async def _series(sessionmaker: async_sessionmaker[AsyncSession], watch: PatternWatch,
                  runs: int, label: str) -> None:
    first = await _one_pass(sessionmaker, watch, 1)
    print(f"{label}: first pass (the window read in full) {first.wall * 1000:.0f} ms wall, "
          f"{first.cpu * 1000:.0f} ms CPU; window {len(watch.window):,} reports")
    timed = [await _one_pass(sessionmaker, watch, 1) for _ in range(runs)]
    print(f"{label}, {runs} runs: wall {_ms([t.wall for t in timed])}; "
          f"CPU {_ms([t.cpu for t in timed])}")


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        days = WINDOW_DAYS if args.all_in_window else args.days
        if not path.exists():
            seeding = time.perf_counter()
            child = multiprocessing.get_context("spawn").Process(
                target=_seed_apart, args=(url, args.stored, days, args.teams))
            child.start()
            child.join()
            print(f"seeded {args.stored:,} reports with vectors over {days} days, "
                  f"{args.teams} teams, in {time.perf_counter() - seeding:.0f} s")
        engine = create_engine(url)
        sessionmaker = create_sessionmaker(engine)
        translator = Translator(locales_dir(), "en")
        embed_with_model(["warm up"])
        rng = np.random.default_rng()  # fresh each run: a kept database has the last ones
        random: Embed = lambda texts: _unit(rng, len(texts))  # noqa: E731
        modelled: Embed = lambda texts: (embed_with_model(texts), random(texts))[1]  # noqa: E731
        for label, embed in (("with the model", modelled), ("without the model", random)):
            watch = PatternWatch(sessionmaker, translator, min_reports=3,
                                 window_days=WINDOW_DAYS, embed=embed)
            await _series(sessionmaker, watch, args.runs, label)
        near = _unit(rng, 1)[0]
        fixed = PatternWatch(sessionmaker, translator, min_reports=3, window_days=WINDOW_DAYS,
                             embed=lambda texts: np.stack([near] * len(texts)))
        await _one_pass(sessionmaker, fixed, 1)  # fills the copy of the window
        found = [await _one_pass(sessionmaker, fixed, 1) for _ in range(2)]
        print(f"without the model, two more alike reports (the second makes a pattern of 3, "
              f"recorded and labelled): {', '.join(f'{t.wall * 1000:.0f} ms' for t in found)}")
        await engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process (the model loaded): {peak:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--all-in-window", action="store_true")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None)
    asyncio.run(main(parser.parse_args()))
