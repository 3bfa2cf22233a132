"""Patterns by meaning: near misses that say the same thing, repeating close together.

Pure: the pass hands in each report's day, hour, team, place, category and vector (no reporter,
no words) and stores what comes out. Reports are grouped by what they say, whatever their
category or place; a shared category code or place is never a reason to group.

A pattern is grown from a new (touching) report by average linkage, so it stays coherent:
a report joins when its mean similarity to the members is at least `join` AND its similarity
to every member alone is at least `floor`. A chain A~B, B~C, C~D where A and D say different
things does not become one pattern, because D is far from A. Members all lie within one window
(the earliest and latest fewer than `window_days` apart).

The pattern's scope is the narrowest its members share, checked in this order:
- place: every member at one place of one team;
- team: one team, 2+ places;
- time: 2+ teams, every member's hour within one band (`band_hours` consecutive clock hours:
  times are kept to the hour, so a round at 8 am reads 07:50 and 08:10, which two hours
  hold and one does not; a three-hour band would join the 7 am wake-up to the 9 am round);
- organisation: `min_teams`+ teams.
A set that fits none of them (two teams at different hours) falls back to the touching report's
own team's members, then to those in its hour band, when enough remain.

A steady problem is one pattern that keeps growing: each new report's Found shares members
with the alert already raised, and `matching_alert` picks that alert to grow.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

SCOPES = ("place", "team", "organisation", "time")


@dataclass(frozen=True)
class Item:
    """One report as the pattern pass sees it: no reporter, no words (but its vector)."""

    report_id: int
    day: date  # occurred_date
    hour: int | None  # occurred_time.hour, None when the time is not known
    team_id: int
    place: str  # as stored; compared case-insensitively
    category: str  # category code
    vector: np.ndarray  # unit float32 (384,)


@dataclass(frozen=True)
class Thresholds:
    """How many, how close in time and how alike reports must be to make a pattern."""

    min_reports: int = 3  # settings.pattern_min_reports
    window_days: int = 30  # settings.pattern_window_days
    join: float = 0.45  # mean cosine similarity to the members a report needs to join
    floor: float = 0.35  # cosine similarity to each member alone a report needs to join
    min_teams: int = 3  # teams an organisation pattern spans
    band_hours: int = 2  # consecutive clock hours a time pattern's reports fall in


@dataclass(frozen=True)
class Found:
    """One pattern: its members and the narrowest scope they share."""

    scope: str  # "place" | "team" | "organisation" | "time"
    report_ids: frozenset[int]
    team_id: int | None  # place and team scopes (None otherwise)
    place: str  # place scope ("" otherwise)
    hour: int | None  # time scope: the band's first hour (None otherwise)
    first_report_id: int  # the earliest member by (day, report_id)
    first_date: date
    last_date: date


def find_patterns(items: Sequence[Item], *, touching: Collection[int],
                  thresholds: Thresholds) -> list[Found]:
    """The patterns among `items` that hold any report in `touching`.

    `items` is every report (of any team) whose day lies within window_days before the earliest
    touching report and window_days after the latest one. One set of similar reports gives at
    most ONE Found (its narrowest scope), so a cluster raises one alert, not one per scope."""
    if not items or not touching:
        return []
    vectors = np.stack([item.vector for item in items]).astype(np.float32, copy=False)
    days = np.array([item.day.toordinal() for item in items])
    wanted = set(touching)
    seeds = sorted((i for i, item in enumerate(items) if item.report_id in wanted),
                   key=lambda i: (items[i].day, items[i].report_id))
    found: list[Found] = []
    covered: set[int] = set()
    for seed in seeds:
        if items[seed].report_id in covered:
            continue
        members = _grow(seed, vectors, days, thresholds)
        pattern = _scoped([items[i] for i in members], items[seed], thresholds)
        if pattern is not None:
            found.append(pattern)
            covered |= pattern.report_ids
    return found


def matching_alert(found: Found, known: Mapping[int, frozenset[int]]) -> int | None:
    """The known alert (id -> member report ids) this pattern grows, or None when new:
    the one sharing the most members with it (ties: the oldest id)."""
    best: int | None = None
    best_shared = 0
    for alert_id in sorted(known):
        shared = len(found.report_ids & known[alert_id])
        if shared > best_shared:
            best, best_shared = alert_id, shared
    return best


def _grow(seed: int, vectors: np.ndarray, days: np.ndarray, thresholds: Thresholds) -> list[int]:
    """The seed and the reports that join it, most alike first (indices into `vectors`)."""
    to_seed = vectors @ vectors[seed]
    near = np.abs(days - days[seed]) < thresholds.window_days
    near &= to_seed >= thresholds.floor
    near[seed] = False
    candidates = np.flatnonzero(near)
    if len(candidates) + 1 < thresholds.min_reports:
        return [seed]
    pairwise = vectors[candidates] @ vectors[candidates].T
    total = to_seed[candidates].astype(np.float64)  # summed similarity to the members
    lowest = to_seed[candidates].copy()  # least similarity to any member
    open_ = np.ones(len(candidates), dtype=bool)
    first = last = int(days[seed])
    members = [seed]
    while True:
        span_ok = (np.maximum(last, days[candidates]) - np.minimum(first, days[candidates])
                   < thresholds.window_days)
        mean = total / len(members)
        eligible = open_ & span_ok & (lowest >= thresholds.floor) & (mean >= thresholds.join)
        if not eligible.any():
            return members
        pick = int(np.argmax(np.where(eligible, mean, -np.inf)))
        members.append(int(candidates[pick]))
        open_[pick] = False
        day = int(days[candidates[pick]])
        first, last = min(first, day), max(last, day)
        total += pairwise[pick]
        lowest = np.minimum(lowest, pairwise[pick])


def _scoped(members: list[Item], seed: Item, thresholds: Thresholds) -> Found | None:
    """The members' narrowest shared scope, or the seed's team's or hour band's share of them."""
    if len(members) < thresholds.min_reports:
        return None
    found = _classify(members, thresholds)
    if found is not None:
        return found
    own_team = [item for item in members if item.team_id == seed.team_id]
    if len(own_team) >= thresholds.min_reports:
        return _classify(own_team, thresholds)
    if seed.hour is not None:
        in_band = [item for item in members if item.hour is not None
                   and _band_start([seed.hour, item.hour], thresholds.band_hours) is not None]
        band = _band_start([item.hour for item in in_band if item.hour is not None],
                           thresholds.band_hours)
        if len(in_band) >= thresholds.min_reports and band is not None:
            return _found(in_band, "time", hour=band)
    return None


def _classify(members: list[Item], thresholds: Thresholds) -> Found | None:
    members = sorted(members, key=lambda item: (item.day, item.report_id))
    teams = {item.team_id for item in members}
    places = {(item.team_id, item.place.casefold()) for item in members}
    if len(teams) == 1:
        team_id = members[0].team_id
        if len(places) == 1:
            return _found(members, "place", team_id=team_id, place=members[0].place)
        return _found(members, "team", team_id=team_id)
    hours = [item.hour for item in members]
    if None not in hours:
        band = _band_start([h for h in hours if h is not None], thresholds.band_hours)
        if band is not None:
            return _found(members, "time", hour=band)
    if len(teams) >= thresholds.min_teams:
        return _found(members, "organisation")
    return None


def _band_start(hours: Sequence[int], width: int) -> int | None:
    """The first hour of a band of `width` consecutive clock hours (round the clock) holding
    every hour given, or None when none does."""
    present = set(hours)
    for start in sorted(present):
        if all((hour - start) % 24 < width for hour in present):
            return start
    return None


def _found(members: Sequence[Item], scope: str, *, team_id: int | None = None, place: str = "",
           hour: int | None = None) -> Found:
    ordered = sorted(members, key=lambda item: (item.day, item.report_id))
    return Found(scope=scope, report_ids=frozenset(item.report_id for item in ordered),
                 team_id=team_id, place=place, hour=hour,
                 first_report_id=ordered[0].report_id, first_date=ordered[0].day,
                 last_date=ordered[-1].day)


def embedding_text(*, what_happened: str, how_prevented: str, immediate_action: str | None,
                   suggestions: str | None, place: str, category: str) -> str:
    """The text a report is embedded from (category: its English label; place: as stored)."""
    parts = [what_happened, how_prevented, immediate_action or "", suggestions or ""]
    return " ".join(part.strip() for part in parts if part and part.strip())
