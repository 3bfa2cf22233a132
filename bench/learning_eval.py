"""Score pattern alerts against a labelled corpus: recall per planted kind, decoys, false alerts.

Pure scoring on generic inputs (each alert: its scope and its members' external ids; each
labelled report: its group and kind): bench/learning_bench.py hands in the alerts that the real
import and pattern pass raised.

- A planted group (kind place, team, organisation or time) is found when one alert holds at
  least min(3, the group's size) of its reports and at least half of that alert's members are
  from the group.
- A decoy group (unrelated reports sharing a category and place) is alerted when one alert holds
  3 or more of its reports.
- A false alert finds no planted group as above.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

PLANTED = ("place", "team", "organisation", "time")
KINDS = (*PLANTED, "decoy", "background")


@dataclass(frozen=True)
class Alert:
    """One alert as scored: its scope and the external ids of its member reports."""

    scope: str
    members: frozenset[str]


@dataclass(frozen=True)
class Label:
    """What a corpus report was written as: a member of a planted or decoy group, or neither."""

    group: str
    kind: str


@dataclass(frozen=True)
class Figures:
    """The scores of one run over one corpus."""

    found: Mapping[str, int]  # planted kind -> groups found
    planted: Mapping[str, int]  # planted kind -> groups
    decoys_alerted: int
    decoys: int
    false_alerts: int
    alerts: int

    def recall(self, kind: str) -> float:
        """Percent of the kind's planted groups found (100 when there are none)."""
        total = self.planted.get(kind, 0)
        return 100.0 * self.found.get(kind, 0) / total if total else 100.0

    @property
    def overall_recall(self) -> float:
        total = sum(self.planted.values())
        return 100.0 * sum(self.found.values()) / total if total else 100.0

    @property
    def false_share(self) -> float:
        """Percent of alerts that find no planted group (0 when there are no alerts)."""
        return 100.0 * self.false_alerts / self.alerts if self.alerts else 0.0

    def as_dict(self) -> dict[str, float]:
        figures = {f"recall_{kind}": round(self.recall(kind), 1) for kind in PLANTED}
        figures.update(recall_all=round(self.overall_recall, 1),
                       false_alert_share=round(self.false_share, 1),
                       decoys_alerted=self.decoys_alerted, decoys=self.decoys,
                       alerts=self.alerts, false_alerts=self.false_alerts)
        return figures


def read_labels(path: Path) -> dict[str, Label]:
    """labels.csv (external_id,group,kind) as external id -> Label."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    labels = {row["external_id"].strip(): Label(group=(row.get("group") or "").strip(),
                                                kind=row["kind"].strip())
              for row in rows}
    unknown = {label.kind for label in labels.values()} - set(KINDS)
    if unknown:
        raise ValueError(f"labels.csv: unknown kinds {sorted(unknown)}")
    return labels


def groups(labels: Mapping[str, Label], kinds: Iterable[str]) -> dict[str, set[str]]:
    """Group name -> its reports' external ids, for the groups of the given kinds."""
    wanted = set(kinds)
    members: dict[str, set[str]] = defaultdict(set)
    for external_id, label in labels.items():
        if label.kind in wanted and label.group:
            members[label.group].add(external_id)
    return dict(members)


def finds(alert: Alert, group: set[str]) -> bool:
    """Whether this alert finds this planted group (see the module's docstring)."""
    shared = len(alert.members & group)
    return shared >= min(3, len(group)) and 2 * shared >= len(alert.members)


def score(alerts: Iterable[Alert], labels: Mapping[str, Label]) -> Figures:
    """The figures of these alerts over this labelled corpus."""
    alerts = list(alerts)
    planted = groups(labels, PLANTED)
    kind_of = {name: labels[next(iter(ids))].kind for name, ids in planted.items()}
    found_groups = {name for name, ids in planted.items()
                    if any(finds(alert, ids) for alert in alerts)}
    decoys = groups(labels, ["decoy"])
    alerted = sum(1 for ids in decoys.values()
                  if any(len(alert.members & ids) >= 3 for alert in alerts))
    false = sum(1 for alert in alerts
                if not any(finds(alert, ids) for ids in planted.values()))
    found: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    for name, kind in kind_of.items():
        totals[kind] += 1
        found[kind] += name in found_groups
    return Figures(found=dict(found), planted=dict(totals), decoys_alerted=alerted,
                   decoys=len(decoys), false_alerts=false, alerts=len(alerts))


def missed(alerts: Iterable[Alert], labels: Mapping[str, Label]) -> list[str]:
    """The planted groups no alert finds, by name (to look into while tuning)."""
    alerts = list(alerts)
    return sorted(name for name, ids in groups(labels, PLANTED).items()
                  if not any(finds(alert, ids) for alert in alerts))
