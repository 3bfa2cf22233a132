"""Patterns by meaning: near misses that say the same thing, repeating close together.

Pure: the pass hands in each report's day, hour, team, place, category and vector (no reporter,
no words) and stores what comes out. Reports are grouped by what they say, whatever their
category or place; a shared category code or place is never a reason to group.

Similarity is the cosine of the vectors less the window's mean vector, and the bars below are
in standard deviations above the usual similarity of two of the window's reports: see
learning/likeness.py for both and why.

A pattern is grown from a new (touching) report by average linkage, so it stays coherent:
a report joins when its mean similarity to the members is at least the join threshold AND its
similarity to every member alone is at least `floor`. A chain A~B, B~C, C~D where A and D say
different things does not become one pattern, because D is far from A. Members all lie within
one window (the earliest and latest fewer than `window_days` apart).

The pattern is looked for at the narrowest scope first, each wider one only when the narrower
found none:
- among the touching report's own team (`join`): place when every member is at one place,
  else team;
- among reports in its hour band across teams (`join`): time. A band is `band_hours`
  consecutive clock hours: times are kept to the hour, so a round at 8 am reads 07:50 and
  08:10, which two hours hold and one does not; a wider band would join the 7 am wake-up to
  the 9 am round;
- among every team's reports (`join_across`): organisation, when `min_teams`+ teams are in it.
Among every team's reports there are many more to be alike by chance, so the join is stricter
there; an hour band holds few reports, about as many as one team's, so it takes the team's bar.

A steady problem is one pattern that keeps growing: each new report's Found shares members
with the alert already raised, and `matching_alert` picks that alert to grow.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from learning.likeness import centred, pair_similarity

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
    # The three bars below are in standard deviations above the window's usual similarity.
    join: float = 2.2  # mean similarity to the members a report needs to join (team, hour band)
    join_across: float = 3.0  # the same among every team's (more reports, more chance likenesses)
    floor: float = 0.8  # similarity to each member alone a report needs to join
    # The join bar never falls below this centred cosine, however little a window's reports
    # differ (written reports' windows set it higher; a window of unrelated noise would not).
    least_join: float = 0.2
    centre: float = 10.0  # the window's size at which its mean is taken out at half weight
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
    touching report and window_days after the latest one; reports further off are left out
    here too, as the window's usual similarity and mean vector are measured on what is given.
    One set of similar reports gives at most ONE Found (its narrowest scope), so a cluster
    raises one alert, not one per scope."""
    wanted = set(touching)
    items = _within_reach(items, wanted, thresholds.window_days)
    if not items:
        return []
    window = _Window.of(items, thresholds)
    seeds = sorted((i for i, item in enumerate(items) if item.report_id in wanted),
                   key=lambda i: (items[i].day, items[i].report_id))
    found: list[Found] = []
    covered: set[int] = set()
    for seed in seeds:
        if items[seed].report_id in covered:
            continue
        pattern = _pattern(seed, window, thresholds)
        if pattern is not None:
            found.append(pattern)
            covered |= pattern.report_ids
    return found


def _within_reach(items: Sequence[Item], touching: set[int], days: int) -> list[Item]:
    """The items fewer than `days` days from the earliest to the latest touching report."""
    touched = [item.day.toordinal() for item in items if item.report_id in touching]
    if not touched:
        return []
    first, last = min(touched), max(touched)
    return [item for item in items
            if first - days < item.day.toordinal() < last + days]


def matching_alert(found: Found, known: Mapping[int, frozenset[int]]) -> int | None:
    """The known alert (id -> member report ids) this pattern grows, or None when new:
    the one sharing the most members with it (ties: the oldest id).

    A pattern grows an alert only when at least half its members are already in it: sharing
    one report with an older, different cluster does not make the two one alert (that would
    chain alerts as single linkage chains reports)."""
    best: int | None = None
    best_shared = 0
    for alert_id in sorted(known):
        shared = len(found.report_ids & known[alert_id])
        if shared > best_shared:
            best, best_shared = alert_id, shared
    return best if 2 * best_shared >= len(found.report_ids) else None


@dataclass(frozen=True)
class _Window:
    """The items as arrays: centred vectors, days, teams and hours."""

    items: Sequence[Item]
    vectors: np.ndarray
    days: np.ndarray
    teams: np.ndarray
    hours: np.ndarray  # -1 when not known
    usual: float  # the mean similarity of two different reports of the window
    spread: float  # its standard deviation

    @classmethod
    def of(cls, items: Sequence[Item], thresholds: Thresholds) -> _Window:
        vectors = np.stack([item.vector for item in items]).astype(np.float32, copy=False)
        vectors = centred(vectors, thresholds.centre)
        usual, spread = pair_similarity(vectors)
        return cls(items=items, vectors=vectors,
                   days=np.array([item.day.toordinal() for item in items]),
                   teams=np.array([item.team_id for item in items]),
                   hours=np.array([-1 if item.hour is None else item.hour for item in items]),
                   usual=usual, spread=spread)

    def bar(self, deviations: float) -> float:
        """The similarity `deviations` standard deviations above the window's usual one."""
        return self.usual + deviations * self.spread


def _pattern(seed: int, window: _Window, thresholds: Thresholds) -> Found | None:
    """The seed's pattern at the narrowest scope that has one: grown among its own team's
    reports, else among reports in its hour band, else among every team's."""
    to_seed = window.vectors @ window.vectors[seed]
    team = _grow(seed, window.teams == window.teams[seed], to_seed, window, thresholds,
                 thresholds.join)
    if len(team) >= thresholds.min_reports:
        return _classify([window.items[i] for i in team], thresholds)
    hour = int(window.hours[seed])
    if hour >= 0:
        width = thresholds.band_hours
        timed = window.hours >= 0
        bands = [_grow(seed, timed & ((window.hours - start) % 24 < width), to_seed, window,
                       thresholds, thresholds.join)
                 for start in ((hour - k) % 24 for k in range(width))]
        band = max(bands, key=len)
        if len(band) >= thresholds.min_reports and len(set(window.teams[band])) > 1:
            return _classify([window.items[i] for i in band], thresholds)
    everyone = _grow(seed, np.ones(len(window.items), dtype=bool), to_seed, window, thresholds,
                     thresholds.join_across)
    if len(set(window.teams[everyone])) >= thresholds.min_teams:
        return _classify([window.items[i] for i in everyone], thresholds)
    return None


def _grow(seed: int, pool: np.ndarray, to_seed: np.ndarray, window: _Window,
          thresholds: Thresholds, deviations: float) -> list[int]:
    """The seed and the reports of `pool` that join it, most alike first (indices);
    `to_seed` is every report's similarity to the seed, `deviations` the join bar."""
    vectors, days = window.vectors, window.days
    join = max(window.bar(deviations), thresholds.least_join)
    floor = window.bar(thresholds.floor)
    near = pool & (np.abs(days - days[seed]) < thresholds.window_days)
    near &= to_seed >= floor
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
        eligible = open_ & span_ok & (lowest >= floor) & (mean >= join)
        if not eligible.any():
            return members
        pick = int(np.argmax(np.where(eligible, mean, -np.inf)))
        members.append(int(candidates[pick]))
        open_[pick] = False
        day = int(days[candidates[pick]])
        first, last = min(first, day), max(last, day)
        total += pairwise[pick]
        lowest = np.minimum(lowest, pairwise[pick])


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
    """The text a report is embedded from (category: its English label; place: as stored).

    The report's own words only. The place and category names are left out: they are the same
    words in every report of that place and category, so they made unrelated reports there look
    alike (on the tune corpus they raised decoys' similarity more than real clusters'), and
    the pattern's scope already comes from the place and team themselves. Kept beside the text
    as a light second signal (the names' own vector's similarity added at a small weight) they
    did no better: clusters of one team span places and categories by definition, so the names
    only ever pull together reports that a decoy is made of (bench/RESULTS.md)."""
    parts = [what_happened, how_prevented, immediate_action or "", suggestions or ""]
    return " ".join(part.strip() for part in parts if part and part.strip())
