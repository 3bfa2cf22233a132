"""Time the learning on one core: embedding a report, and the pattern pass for one new report.

Run: python -m bench.learning_speed [--window 10000] [--reports 50]

One core: OPENBLAS_NUM_THREADS=1 is set before numpy loads (run it as a module so nothing has
loaded numpy first). Embedding is timed one report at a time, as a report is filed, over typical
reports (the tune corpus's texts); the pass is timed for one new report against a window of N
random unit vectors (the pass loads only the window), spread over the window's days, teams and
places.
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import functools  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from learning.patterns import Item, Thresholds, find_patterns  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "learning" / "corpus" / "tune"


def _timed(work: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU milliseconds of one call (CPU time is what a shared machine's other
    work does not inflate)."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def embedding_ms(count: int) -> list[tuple[float, float]]:
    """(wall, CPU) milliseconds to embed each of `count` corpus reports alone (after one
    warm-up)."""
    from learning.embedding import embedder
    from learning.patterns import embedding_text

    with (CORPUS / "reports.csv").open(encoding="utf-8", newline="") as handle:
        texts = [embedding_text(what_happened=row["what_happened"],
                                how_prevented=row["how_prevented"],
                                immediate_action=row["immediate_action"] or None,
                                suggestions=row["suggestions"] or None, place=row["place"],
                                category=row["category"])
                 for row in csv.DictReader(handle)][:count]
    model = embedder()
    model.embed(texts[:1])
    return [_timed(functools.partial(model.embed, [text])) for text in texts]


def pass_ms(window: int, runs: int = 20) -> list[tuple[float, float]]:
    """(wall, CPU) milliseconds for find_patterns with one touching report against `window`
    items."""
    rng = np.random.default_rng(25)
    vectors = rng.normal(size=(window + 1, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    today = date(2026, 6, 30)
    thresholds = Thresholds()
    items = [Item(report_id=i, day=today - timedelta(days=int(rng.integers(0, 30))),
                  hour=int(rng.integers(0, 24)), team_id=int(rng.integers(1, 40)),
                  place=f"Place {rng.integers(0, 12)}", category="falls", vector=vectors[i])
             for i in range(window)]
    items.append(Item(report_id=window, day=today, hour=8, team_id=1, place="Place 1",
                      category="falls", vector=vectors[window]))
    return [_timed(lambda: find_patterns(items, touching=[window], thresholds=thresholds))
            for _ in range(runs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=50)
    args = parser.parse_args()
    _print(f"embedding one report, one core ({args.reports} corpus reports)",
           embedding_ms(args.reports))
    _print(f"find_patterns, one new report against {args.window:,} items", pass_ms(args.window))


def _print(what: str, timings: list[tuple[float, float]]) -> None:
    for kind, values in zip(("wall", "CPU"), zip(*timings, strict=True), strict=True):
        print(f"{what}, {kind}: median {statistics.median(values):.1f} ms, "
              f"p90 {np.percentile(values, 90):.1f} ms, max {max(values):.1f} ms")


if __name__ == "__main__":
    main()
