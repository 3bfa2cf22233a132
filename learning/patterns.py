"""Patterns by meaning: similar near misses repeating within a window, whatever their category.

PROVISIONAL (the pass's stand-in for the tuned method, same interface): reports are linked
when their vectors are close and their days fall within the window; a linked set of at least
`min_reports` holding a report just checked is a pattern, described at the narrowest scope its
members share. Pure: the pass hands in Items and stores what comes out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np


@dataclass(frozen=True)
class Item:
    """One report as the pattern pass sees it: no reporter, no words (but its vector)."""

    report_id: int
    day: date
    hour: int | None
    team_id: int
    place: str
    category: str
    vector: np.ndarray


@dataclass(frozen=True)
class Thresholds:
    """How many similar reports, how close together, how alike."""

    min_reports: int = 3
    window_days: int = 30
    similarity: float = 0.62
    min_teams: int = 3


@dataclass(frozen=True)
class Found:
    """One pattern: its members and the narrowest scope they share."""

    scope: str
    report_ids: frozenset[int]
    team_id: int | None
    place: str
    hour: int | None
    first_report_id: int
    first_date: date
    last_date: date


def find_patterns(items: Sequence[Item], *, touching: Collection[int],
                  thresholds: Thresholds) -> list[Found]:
    """The patterns among `items` that hold any report in `touching` (one per linked set)."""
    if not items:
        return []
    matrix = np.stack([item.vector for item in items]).astype(np.float32)
    days = np.array([item.day.toordinal() for item in items])
    index = {item.report_id: i for i, item in enumerate(items)}
    seen: set[int] = set()
    found = []
    for report_id in touching:
        start = index.get(report_id)
        if start is None or start in seen:
            continue
        members = _linked(start, matrix, days, thresholds)
        seen |= members
        if len(members) >= thresholds.min_reports:
            found.append(_describe([items[i] for i in sorted(members)], thresholds))
    return found


def _linked(start: int, matrix: np.ndarray, days: np.ndarray,
            thresholds: Thresholds) -> set[int]:
    """Every item reached from `start` through close vectors within the window."""
    members, frontier = {start}, [start]
    while frontier:
        at = frontier.pop()
        close = (matrix @ matrix[at] >= thresholds.similarity) & (
            np.abs(days - days[at]) < thresholds.window_days)
        for other in np.flatnonzero(close).tolist():
            if other not in members:
                members.add(other)
                frontier.append(other)
    return members


def _describe(members: list[Item], thresholds: Thresholds) -> Found:
    ordered = sorted(members, key=lambda item: (item.day, item.report_id))
    teams = {item.team_id for item in ordered}
    places = {item.place.casefold() for item in ordered}
    hours = {item.hour for item in ordered}
    first = ordered[0]
    scope, team_id, place, hour = "organisation", None, "", None
    if len(teams) == 1:
        team_id = first.team_id
        scope, place = ("place", first.place) if len(places) == 1 else ("team", "")
    elif len(teams) < thresholds.min_teams and len(hours) == 1 and None not in hours:
        scope, hour = "time", first.hour
    return Found(scope=scope, report_ids=frozenset(item.report_id for item in ordered),
                 team_id=team_id, place=place, hour=hour, first_report_id=first.report_id,
                 first_date=first.day, last_date=ordered[-1].day)


def embedding_text(*, what_happened: str, how_prevented: str, immediate_action: str | None,
                   suggestions: str | None, place: str, category: str) -> str:
    """The text a report is embedded from (category: its English label; place: as stored)."""
    parts = [what_happened, how_prevented, immediate_action or "", suggestions or ""]
    return f"{category}. {place}. " + " ".join(part.strip() for part in parts if part)


def matching_alert(found: Found, known: Mapping[int, frozenset[int]]) -> int | None:
    """The known alert sharing the most members with `found` (ties: the oldest id); None when
    it shares none, so the pattern is a new alert."""
    shared = {alert_id: len(found.report_ids & members) for alert_id, members in known.items()}
    best = min(shared, key=lambda alert_id: (-shared[alert_id], alert_id), default=None)
    return best if best is not None and shared[best] else None
