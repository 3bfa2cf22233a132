"""Replay a labelled corpus through the pattern method as a live system sees it, and score it.

Run: python -m bench.learning_replay tests/learning/corpus/tune [--join X] [--floor Y] [--show]
     python -m bench.learning_replay tests/learning/corpus --record  (writes figures.json)

Reports are taken in time order. Each new report is embedded (`embedding_text` ->
`embedder().embed`), then `find_patterns` runs with it as the one touching report over every
report already seen whose day lies within the window before it; each Found grows the alert
`matching_alert` names (its members joined to the alert's) or raises a new one. The alerts are
kept in memory, so the figures do not depend on the database; bench/learning_eval.py scores them.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from bench.learning_eval import Alert, Figures, missed, read_labels, score
from conversations.steps import CATEGORIES
from learning.patterns import Item, Thresholds, embedding_text, find_patterns, matching_alert

_LABELS = {code: label for code, label in CATEGORIES}
_CODES = {label.casefold(): code for code, label in CATEGORIES}


@dataclass(frozen=True)
class Row:
    """One corpus report: its external id, its Item (with its vector) and its text."""

    external_id: str
    item: Item
    text: str


def category_code(value: str) -> str:
    """A corpus category (a code or an English label) as its code; unknown ones kept as given."""
    value = value.strip()
    if value.casefold() in _LABELS:
        return value.casefold()
    return _CODES.get(value.casefold(), value)


def read_reports(path: Path) -> list[Row]:
    """reports.csv embedded, in the file's order (vectors from the real model)."""
    from learning.embedding import embedder

    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    teams: dict[str, int] = {}
    texts = [report_text(row) for row in rows]
    vectors = embedder().embed(texts)
    result = []
    for number, (row, text, vector) in enumerate(zip(rows, texts, vectors, strict=True), 1):
        when = datetime.fromisoformat(row["occurred_at"].strip())
        has_time = "T" in row["occurred_at"] or " " in row["occurred_at"].strip()
        team_id = teams.setdefault(row["team"].strip(), len(teams) + 1)
        item = Item(report_id=number, day=when.date(), hour=when.hour if has_time else None,
                    team_id=team_id, place=row["place"].strip(),
                    category=category_code(row["category"]), vector=vector)
        result.append(Row(external_id=row["external_id"].strip(), item=item, text=text))
    return result


def report_text(row: Mapping[str, str]) -> str:
    code = category_code(row["category"])
    return embedding_text(what_happened=row["what_happened"], how_prevented=row["how_prevented"],
                          immediate_action=row.get("immediate_action") or None,
                          suggestions=row.get("suggestions") or None, place=row["place"],
                          category=_LABELS.get(code, row["category"]))


def replay(rows: Sequence[Row], thresholds: Thresholds) -> list[Alert]:
    """The alerts a live system would hold after these reports, filed in time order."""
    ordered = sorted(rows, key=lambda row: (row.item.day, row.item.hour or 0, row.item.report_id))
    seen: list[Item] = []
    alerts: dict[int, frozenset[int]] = {}
    scopes: dict[int, str] = {}
    for row in ordered:
        seen.append(row.item)
        window = [item for item in seen
                  if abs((row.item.day - item.day).days) < thresholds.window_days]
        for found in find_patterns(window, touching=[row.item.report_id], thresholds=thresholds):
            alert_id = matching_alert(found, alerts)
            if alert_id is None:
                alert_id = len(alerts) + 1
            alerts[alert_id] = alerts.get(alert_id, frozenset()) | found.report_ids
            scopes[alert_id] = found.scope
    external = {row.item.report_id: row.external_id for row in rows}
    return [Alert(scope=scopes[a], members=frozenset(external[r] for r in members))
            for a, members in sorted(alerts.items())]


def run(corpus: Path, thresholds: Thresholds | None = None,
        rows: Sequence[Row] | None = None) -> tuple[Figures, list[Alert]]:
    """Replay and score one corpus half (a folder with reports.csv and labels.csv)."""
    rows = rows if rows is not None else read_reports(corpus / "reports.csv")
    alerts = replay(rows, thresholds or Thresholds())
    return score(alerts, read_labels(corpus / "labels.csv")), alerts


def record(root: Path) -> dict[str, object]:
    """Replay every half under `root` and write their figures to root/figures.json."""
    from dataclasses import asdict

    from learning.embedding import model_id

    halves = {half.name: run(half)[0].as_dict()
              for half in sorted(root.iterdir()) if (half / "labels.csv").exists()}
    recorded: dict[str, object] = {"model": model_id(), "thresholds": asdict(Thresholds()),
                                   "halves": halves}
    (root / "figures.json").write_text(json.dumps(recorded, indent=2) + "\n", encoding="utf-8")
    return recorded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a half (reports.csv, labels.csv) or, with "
                        "--record, the folder of halves")
    parser.add_argument("--join", type=float)
    parser.add_argument("--floor", type=float)
    parser.add_argument("--show", action="store_true", help="print each alert and each miss")
    parser.add_argument("--record", action="store_true",
                        help="replay every half and write figures.json beside them")
    args = parser.parse_args()
    if args.record:
        print(json.dumps(record(args.corpus), indent=2))
        return
    thresholds = Thresholds()
    for name in ("join", "floor"):
        if getattr(args, name) is not None:
            thresholds = replace(thresholds, **{name: getattr(args, name)})
    started = time.perf_counter()
    figures, alerts = run(args.corpus, thresholds)
    for key, value in figures.as_dict().items():
        print(f"{key}: {value}")
    print(f"seconds (embedding and replay): {time.perf_counter() - started:.1f}")
    if args.show:
        labels = read_labels(args.corpus / "labels.csv")
        for alert in alerts:
            named = sorted(f"{m}:{labels[m].group or labels[m].kind}" for m in alert.members)
            print(alert.scope, " ".join(named))
        print("missed:", " ".join(missed(alerts, labels)))


if __name__ == "__main__":
    main()
