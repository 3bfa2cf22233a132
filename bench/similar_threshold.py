"""How the Similar reports panel's minimum similarity was chosen, on the tune corpus.

For every report, the panel an administrator would see (the five closest other reports at or
above a minimum similarity, storage/repositories/similar.py) is worked out at several minimums,
and each shown row is checked against the corpus's labels: a row is right when both reports
belong to one planted group (decoys are groups of unrelated reports, so never right). Prints,
per minimum, for the reports of planted groups: rows shown per report, the share of them that
are right, and the share of their group's other members shown (of at most five); and for the
other reports (background and decoys), the rows shown per report.

    python -m bench.similar_threshold [tests/learning/corpus/tune]
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

from learning.embedding import embedder
from learning.patterns import embedding_text
from storage.repositories.similar import NEAREST, closest
from storage.vectors import to_bytes

MINIMUMS = (0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60)


def _read(folder: Path) -> tuple[list[dict[str, str]], dict[str, str]]:
    with (folder / "reports.csv").open(encoding="utf-8") as handle:
        reports = list(csv.DictReader(handle))
    with (folder / "labels.csv").open(encoding="utf-8") as handle:
        groups = {row["external_id"]: row["group"] for row in csv.DictReader(handle)
                  if row["kind"] != "decoy" and row["group"]}
    return reports, groups


def main(folder: Path) -> None:
    reports, groups = _read(folder)
    texts = [embedding_text(what_happened=r["what_happened"], how_prevented=r["how_prevented"],
                            immediate_action=r["immediate_action"],
                            suggestions=r["suggestions"], place=r["place"],
                            category=r["category"]) for r in reports]
    vectors = embedder().embed(texts)
    ids = [r["external_id"] for r in reports]
    rows = [(index, to_bytes(vector)) for index, vector in enumerate(vectors)]
    sizes = Counter(groups.values())
    grouped = [i for i, external_id in enumerate(ids) if external_id in groups]
    print(f"{len(ids)} reports, {len(grouped)} in {len(sizes)} planted groups")
    print("minimum  grouped: rows/report  right  group members found  others: rows/report")
    for minimum in MINIMUMS:
        counts = Counter[str]()
        for index, vector in enumerate(vectors):
            panel = closest(vector, [row for row in rows if row[0] != index],
                            limit=NEAREST, minimum=minimum)
            group = groups.get(ids[index])
            if group is None:
                counts["other rows"] += len(panel)
                continue
            counts["rows"] += len(panel)
            counts["right"] += sum(1 for i, _ in panel if groups.get(ids[i]) == group)
            counts["findable"] += min(NEAREST, sizes[group] - 1)
        print(f"{minimum:7.2f}  {counts['rows'] / len(grouped):20.2f}"
              f"  {counts['right'] / max(counts['rows'], 1):5.0%}"
              f"  {counts['right'] / counts['findable']:19.0%}"
              f"  {counts['other rows'] / (len(ids) - len(grouped)):19.2f}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/learning/corpus/tune"))
