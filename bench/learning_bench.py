"""How well learning by meaning finds what the labelled corpus plants, through the product.

For each half of tests/learning/corpus/ (reports.csv + labels.csv), in a new SQLite file:
`nearmiss reports import --create-missing reports.csv` (which stores the reports and runs the
pattern pass over them before it returns), then `nearmiss alerts list --json`, each as its own
process exactly as an operator runs them. The alerts are scored against the labels
(bench/learning_eval.py): recall per planted kind, decoy groups alerted, alerts that match no
planted group, and the time and peak memory the import took.

    python -m bench.learning_bench [--half tune --half holdout ...] [--record]

--record writes the figures to tests/learning/corpus/figures.json, which
tests/learning/test_corpus_figures.py holds the method to.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.learning_eval import Alert, Figures, missed, read_labels, score

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "learning" / "corpus"
HALVES = ("tune", "tune2", "holdout")


@dataclass(frozen=True)
class Run:
    """One half through the product: its figures, its alerts and what the import cost."""

    figures: Figures
    alerts: list[Alert]
    seconds: float
    cpu_seconds: float
    peak_mb: float


def _nearmiss(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "nearmiss.cli", *args], env=env, check=True,
                          capture_output=True, text=True)
    return done.stdout


def run_half(half: Path, workdir: Path) -> Run:
    """Import one half into a new database in `workdir` and score the alerts it raised."""
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
           "DATA_DIR": str(workdir), "BOT_TOKEN": "", "ENVIRONMENT": "dev"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    _nearmiss("reports", "import", "--create-missing", str(half / "reports.csv"), env=env)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    listed = json.loads(_nearmiss("alerts", "list", "--json", env=env))
    alerts = [Alert(scope=row["scope"],
                    members=frozenset(r["external_id"] for r in row["reports"]))
              for row in listed]
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Run(figures=score(alerts, read_labels(half / "labels.csv")), alerts=alerts,
               seconds=seconds, cpu_seconds=cpu, peak_mb=after.ru_maxrss / 1024)


def record(figures: dict[str, Figures]) -> dict[str, object]:
    """Write the halves' figures, with the model and thresholds, to figures.json."""
    from learning.embedding import model_id
    from learning.patterns import Thresholds

    recorded: dict[str, object] = {
        "model": model_id(), "thresholds": asdict(Thresholds()),
        "halves": {half: result.as_dict() for half, result in sorted(figures.items())}}
    (CORPUS / "figures.json").write_text(json.dumps(recorded, indent=2) + "\n",
                                         encoding="utf-8")
    return recorded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", action="append", choices=HALVES,
                        help="a half to run (repeatable; all by default)")
    parser.add_argument("--record", action="store_true",
                        help="write the figures to tests/learning/corpus/figures.json")
    parser.add_argument("--show", action="store_true", help="name the planted groups missed")
    args = parser.parse_args()
    figures: dict[str, Figures] = {}
    for half in args.half or HALVES:
        with tempfile.TemporaryDirectory() as workdir:
            result = run_half(CORPUS / half, Path(workdir))
        figures[half] = result.figures
        f = result.figures
        print(f"{half}: {sum(f.found.values())}/{sum(f.planted.values())} planted groups "
              f"alerted ({f.overall_recall:.1f} %); "
              + ", ".join(f"{kind} {f.found.get(kind, 0)}/{f.planted.get(kind, 0)}"
                          for kind in ("place", "team", "organisation", "time"))
              + f"; decoy groups alerted {f.decoys_alerted}/{f.decoys}; "
              f"false alerts {f.false_alerts}/{f.alerts} ({f.false_share:.1f} %); "
              f"import {result.seconds:.1f} s ({result.cpu_seconds:.1f} s CPU, "
              f"peak {result.peak_mb:.0f} MB)")
        if args.show:
            labels = read_labels(CORPUS / half / "labels.csv")
            print("  missed:", ", ".join(missed(result.alerts, labels)) or "none")
    if args.record:
        record(figures)
        print(f"recorded in {CORPUS / 'figures.json'}")


if __name__ == "__main__":
    main()
