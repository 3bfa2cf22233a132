"""Pattern detection: similar near misses repeating close together, found from dates alone.

Pure: the repository hands in (report, day, team) sightings and stores what comes out.
Windows work like the dashboard's repeat themes (storage.stats.theme_runs): a window spans
fewer than `window_days` days, and overlapping qualifying windows merge into one cluster,
so a steady problem is one cluster (one alert) rather than a new alert per report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from conversations import N_

HEADS_UP = N_("Heads-up: {count} near misses about {category} at {place} in the last "
              "{days} days. Take a moment at handover to talk about it.")


@dataclass(frozen=True)
class Sighting:
    """One report as pattern detection sees it: no words, no reporter."""

    report_id: int
    day: date
    team_id: int


@dataclass(frozen=True)
class Cluster:
    """Reports that repeat within the window; its first report names it for good."""

    first_report_id: int
    report_ids: frozenset[int]
    first_date: date
    last_date: date
    team_ids: frozenset[int]

    @property
    def count(self) -> int:
        return len(self.report_ids)


def clusters(sightings: Sequence[Sighting], *, min_reports: int, window_days: int,
             min_teams: int = 1) -> list[Cluster]:
    """Merge every window holding min_reports+ reports from min_teams+ teams into clusters."""
    ordered = sorted(sightings, key=lambda s: (s.day, s.report_id))
    runs: list[list[int]] = []  # [first index, last index] into ordered
    teams: Counter[int] = Counter()
    start = 0
    for end, sighting in enumerate(ordered):
        teams[sighting.team_id] += 1
        while (sighting.day - ordered[start].day).days >= window_days:
            gone = ordered[start].team_id
            teams[gone] -= 1
            if not teams[gone]:
                del teams[gone]
            start += 1
        if end - start + 1 < min_reports or len(teams) < min_teams:
            continue
        if runs and start <= runs[-1][1]:
            runs[-1][1] = end
        else:
            runs.append([start, end])
    return [_cluster(ordered[a:b + 1]) for a, b in runs]


def _cluster(members: Sequence[Sighting]) -> Cluster:
    return Cluster(first_report_id=members[0].report_id,
                   report_ids=frozenset(s.report_id for s in members),
                   first_date=members[0].day, last_date=members[-1].day,
                   team_ids=frozenset(s.team_id for s in members))
