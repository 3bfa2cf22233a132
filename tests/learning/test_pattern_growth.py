"""Patterns stay coherent (no chaining) and a growing cluster keeps its one alert."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from learning.patterns import Found, Item, Thresholds, find_patterns, matching_alert
from tests.learning.pattern_cases import DOOR_CODE, START, arc, item

DEFAULT = Thresholds()


def _chain(step_cosine: float, count: int) -> list[Item]:
    return [Item(report_id=k, day=START + timedelta(days=k), hour=None, team_id=1,
                 place="Lounge", category="falls", vector=v)
            for k, v in enumerate(arc(count, step_cosine))]


def test_a_chain_of_neighbours_is_not_a_pattern() -> None:
    # Each report is close to the next (0.7), but the ends say different things.
    items = _chain(0.7, 6)
    for touching in range(6):
        assert find_patterns(items, touching=[touching], thresholds=DEFAULT) == []


def test_a_cluster_takes_in_no_report_close_to_one_member_only() -> None:
    # Three close reports (0.95 apart) and a fourth 0.6 from the third, past it on the arc:
    # about 0.32 and 0.0 from the others.
    items = _chain(0.95, 3)
    angle = 2 * np.arccos(0.95) + np.arccos(0.6)
    tail = np.zeros(384, dtype=np.float32)
    tail[0], tail[1] = np.cos(angle), np.sin(angle)
    items.append(Item(report_id=9, day=START, hour=None, team_id=1, place="Lounge",
                      category="falls", vector=tail))
    found = find_patterns(items, touching=[0], thresholds=DEFAULT)
    assert [f.report_ids for f in found] == [frozenset({0, 1, 2})]


def _found(ids: set[int]) -> Found:
    return Found(scope="place", report_ids=frozenset(ids), team_id=1, place="Lounge", hour=None,
                 first_report_id=min(ids), first_date=START, last_date=START)


def test_matching_alert_is_the_one_sharing_most_members_oldest_first() -> None:
    known = {4: frozenset({1, 2}), 7: frozenset({3, 5, 6}), 9: frozenset({10})}
    assert matching_alert(_found({3, 5, 8}), known) == 7
    assert matching_alert(_found({1, 2, 3, 5}), known) == 4  # two each: the oldest
    assert matching_alert(_found({20, 21, 22}), known) is None
    assert matching_alert(_found({1, 2, 3}), {}) is None


def test_sharing_a_report_with_an_older_cluster_does_not_grow_it() -> None:
    # Fewer than half its members in the alert: another cluster, a new alert.
    known = {4: frozenset({1, 2, 3})}
    assert matching_alert(_found({3, 20, 21}), known) is None
    assert matching_alert(_found({2, 3, 20, 21}), known) == 4


def test_a_steady_problem_stays_one_alert_and_a_widening_one_too() -> None:
    """A report every 9 days for three months, live: each pass sees its window and grows the
    same alert, even when a later report from another place widens it to the team."""
    alerts: dict[int, frozenset[int]] = {}
    scopes: list[str] = []
    seen: list[Item] = []
    for n in range(11):
        place = "Front door" if n < 8 else "Flat 3"
        seen.append(item(n, DOOR_CODE[n % 4], day=9 * n, place=place))
        window = [i for i in seen if (seen[-1].day - i.day).days < DEFAULT.window_days]
        for found in find_patterns(window, touching=[n], thresholds=DEFAULT):
            alert = matching_alert(found, alerts) or len(alerts) + 1
            alerts[alert] = alerts.get(alert, frozenset()) | found.report_ids
            scopes.append(found.scope)
    assert list(alerts) == [1] and alerts[1] == frozenset(range(11))
    assert scopes[0] == "place" and scopes[-1] == "team"


def test_a_later_cluster_after_a_gap_is_a_new_alert() -> None:
    alerts: dict[int, frozenset[int]] = {}
    seen: list[Item] = []
    for n, day in enumerate((0, 5, 10, 90, 95, 100)):
        seen.append(item(n, DOOR_CODE[n % 3], day=day))
        window = [i for i in seen if (seen[-1].day - i.day).days < DEFAULT.window_days]
        for found in find_patterns(window, touching=[n], thresholds=DEFAULT):
            alert = matching_alert(found, alerts) or len(alerts) + 1
            alerts[alert] = alerts.get(alert, frozenset()) | found.report_ids
    assert alerts == {1: frozenset({0, 1, 2}), 2: frozenset({3, 4, 5})}
