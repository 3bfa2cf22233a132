"""Patterns by meaning: reports that say the same thing alert at the narrowest scope they share;
reports that only share a category and a place do not."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np

from learning.patterns import Found, Item, Thresholds, embedding_text, find_patterns
from tests.learning.pattern_cases import DOOR_CODE, KITCHEN, LOOK_ALIKE, START, item

DEFAULT = Thresholds()


def _only(found: list[Found]) -> Found:
    assert len(found) == 1, found
    return found[0]


def test_one_hazard_at_one_place_is_a_place_pattern() -> None:
    items = [item(i, text, day=i * 5, place="Front door" if i != 2 else "FRONT DOOR",
                  category=("communication", "environment", "other")[i])
             for i, text in enumerate(DOOR_CODE[:3])]
    found = _only(find_patterns(items, touching=[2], thresholds=DEFAULT))
    assert (found.scope, found.report_ids, found.team_id, found.place) == (
        "place", frozenset({0, 1, 2}), 1, "Front door")
    assert (found.first_report_id, found.first_date, found.last_date, found.hour) == (
        0, START, START.replace(day=START.day + 10), None)


def test_one_hazard_at_places_of_one_team_is_a_team_pattern() -> None:
    places = ("Front door", "Flat 3", "Office")
    items = [item(i, text, day=i, place=places[i]) for i, text in enumerate(DOOR_CODE[:3])]
    found = _only(find_patterns(items, touching=[0], thresholds=DEFAULT))
    assert (found.scope, found.team_id, found.place, found.report_ids) == (
        "team", 1, "", frozenset({0, 1, 2}))


def test_one_hazard_in_three_teams_is_an_organisation_pattern() -> None:
    items = [item(i, text, day=i, team=10 + i, hour=9 + 4 * i)
             for i, text in enumerate(LOOK_ALIKE)]
    found = _only(find_patterns(items, touching=[2], thresholds=DEFAULT))
    assert (found.scope, found.team_id, found.place, found.hour) == ("organisation", None, "", None)
    assert found.report_ids == frozenset({0, 1, 2})


def test_one_hazard_at_one_hour_in_two_teams_is_a_time_pattern() -> None:
    # 07:50 and 08:10 are one round: a band of two clock hours holds them.
    items = [item(0, LOOK_ALIKE[0], team=1, hour=8), item(1, LOOK_ALIKE[1], team=2, hour=7),
             item(2, LOOK_ALIKE[2], team=1, hour=8, place="Medication room")]
    found = _only(find_patterns(items, touching=[0], thresholds=DEFAULT))
    assert (found.scope, found.hour, found.team_id, found.place) == ("time", 7, None, "")


def test_two_teams_at_different_hours_make_no_pattern() -> None:
    items = [item(0, LOOK_ALIKE[0], team=1, hour=8), item(1, LOOK_ALIKE[1], team=2, hour=14),
             item(2, LOOK_ALIKE[2], team=1, hour=20)]
    assert find_patterns(items, touching=[0], thresholds=DEFAULT) == []


def test_a_band_is_two_clock_hours_and_goes_round_midnight() -> None:
    def scope(hours: tuple[int, int, int]) -> list[tuple[str, int | None]]:
        items = [item(i, text, team=1 + i % 2, hour=hours[i])
                 for i, text in enumerate(LOOK_ALIKE)]
        return [(f.scope, f.hour) for f in find_patterns(items, touching=[0], thresholds=DEFAULT)]

    assert scope((23, 0, 23)) == [("time", 23)]
    assert scope((7, 8, 9)) == []  # three clock hours apart: not one band
    assert scope((8, 8, 8)) == [("time", 8)]


def test_a_report_without_a_time_is_in_no_time_pattern() -> None:
    for hour in (8, 23, 0):  # late bands too: a missing hour is not the hour before midnight
        items = [item(0, LOOK_ALIKE[0], team=1, hour=hour),
                 item(1, LOOK_ALIKE[1], team=2, hour=None),
                 item(2, LOOK_ALIKE[2], team=1, hour=hour, place="Office")]
        assert find_patterns(items, touching=[0], thresholds=DEFAULT) == [], hour
        items.append(item(3, LOOK_ALIKE[1], team=2, hour=hour, place="Hall"))
        found = _only(find_patterns(items, touching=[0], thresholds=DEFAULT))
        assert (found.scope, found.report_ids) == ("time", frozenset({0, 2, 3})), hour


def test_unrelated_reports_of_one_category_at_one_place_make_no_pattern() -> None:
    items = [item(i, text, day=i * 3, hour=8) for i, text in enumerate(KITCHEN)]
    for touching in range(len(items)):
        assert find_patterns(items, touching=[touching], thresholds=DEFAULT) == []


def test_a_pattern_keeps_out_an_unrelated_report_of_its_category_and_place() -> None:
    items = [item(i, text, day=i, place="Kitchen", category="environment")
             for i, text in enumerate(DOOR_CODE[:3])]
    items.append(item(3, KITCHEN[0], day=2))
    assert _only(find_patterns(items, touching=[0], thresholds=DEFAULT)).report_ids == {0, 1, 2}
    assert find_patterns(items, touching=[3], thresholds=DEFAULT) == []


def test_two_hazards_side_by_side_are_two_patterns() -> None:
    items = [item(i, text, day=i) for i, text in enumerate(DOOR_CODE[:3])]
    items += [item(10 + i, text, day=i) for i, text in enumerate(LOOK_ALIKE)]
    found = find_patterns(items, touching=[1, 11], thresholds=DEFAULT)
    assert sorted(sorted(f.report_ids) for f in found) == [[0, 1, 2], [10, 11, 12]]


def test_a_pattern_is_found_only_for_the_reports_it_touches() -> None:
    items = [item(i, text, day=i) for i, text in enumerate(DOOR_CODE[:3])]
    items.append(item(9, KITCHEN[1], day=1))
    assert find_patterns(items, touching=[9], thresholds=DEFAULT) == []
    assert find_patterns(items, touching=[], thresholds=DEFAULT) == []
    assert find_patterns([], touching=[1], thresholds=DEFAULT) == []


def test_min_reports_is_respected() -> None:
    items = [item(i, text, day=i) for i, text in enumerate(DOOR_CODE)]
    assert len(find_patterns(items[:3], touching=[0],
                             thresholds=replace(DEFAULT, min_reports=4))) == 0
    four = find_patterns(items, touching=[0], thresholds=replace(DEFAULT, min_reports=4))
    assert [f.report_ids for f in four] == [frozenset({0, 1, 2, 3})]
    assert find_patterns(items[:2], touching=[0], thresholds=replace(DEFAULT, min_reports=2))


def test_a_pattern_spans_fewer_than_window_days() -> None:
    def found(days: tuple[int, int, int]) -> list[Found]:
        items = [item(i, text, day=days[i]) for i, text in enumerate(DOOR_CODE[:3])]
        return find_patterns(items, touching=[1], thresholds=DEFAULT)

    assert [f.report_ids for f in found((0, 15, 29))] == [frozenset({0, 1, 2})]
    assert found((0, 15, 30)) == []
    short = replace(DEFAULT, window_days=10)
    items = [item(i, text, day=(0, 5, 9)[i]) for i, text in enumerate(DOOR_CODE[:3])]
    assert len(find_patterns(items, touching=[2], thresholds=short)) == 1


def test_the_embedded_text_is_the_reports_words_without_place_or_category() -> None:
    def text(place: str, category: str) -> str:
        return embedding_text(what_happened=" Door code not given. ", how_prevented="Rang on call",
                              immediate_action=None, suggestions="Text codes to agency",
                              place=place, category=category)

    assert text("Kitchen", "Environment and equipment") == (
        "Door code not given. Rang on call Text codes to agency")
    assert text("Kitchen", "Falls and mobility") == text("Lounge", "Medication")


def _trio_among(background: np.ndarray, likeness: float, *, hours: tuple[int, int, int],
                teams: tuple[int, int, int]) -> list[Item]:
    """Three reports `likeness` alike (cosine, in dimensions the background does not use)
    among `background` unrelated ones, all on one day."""
    trio = []
    for k in range(3):
        v = np.zeros(384, dtype=np.float32)
        v[300] = np.sqrt(likeness)
        v[301 + k] = np.sqrt(1 - likeness)
        trio.append(v)
    vectors = [*trio, *background]
    return [Item(report_id=i, day=START, hour=hours[i] if i < 3 else 12,
                 team_id=teams[i] if i < 3 else 100 + i, place=f"Place {i}",
                 category="other", vector=v) for i, v in enumerate(vectors)]


def _unrelated(count: int, dimensions: int) -> np.ndarray:
    """`count` unit vectors at random in the first `dimensions` dimensions (fixed seed)."""
    rng = np.random.default_rng(25)
    vectors = np.zeros((count, 384), dtype=np.float32)
    vectors[:, :dimensions] = rng.standard_normal((count, dimensions))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_the_bar_follows_how_alike_the_windows_unrelated_reports_are() -> None:
    # Unrelated reports scattered over many dimensions are rarely alike: a trio at cosine
    # 0.4 stands out. Among unrelated reports that are often that alike, it does not.
    scattered = _trio_among(_unrelated(40, 200), 0.4, hours=(9, 9, 9), teams=(1, 1, 1))
    assert [f.report_ids for f in find_patterns(scattered, touching=[0], thresholds=DEFAULT)] \
        == [frozenset({0, 1, 2})]
    crowded = _trio_among(_unrelated(40, 3), 0.4, hours=(9, 9, 9), teams=(1, 1, 1))
    assert find_patterns(crowded, touching=[0], thresholds=DEFAULT) == []


def test_an_hour_band_takes_the_teams_bar_and_every_team_the_stricter_one() -> None:
    # Random vectors differ less than written reports do: the bars alone are tested here.
    relative = replace(DEFAULT, least_join=0.0)
    background = _unrelated(60, 200)
    window = [item.vector for item in _trio_among(background, 0.0, hours=(9, 9, 9),
                                                  teams=(1, 2, 3))]
    spread = float(np.std([a @ b for i, a in enumerate(window) for b in window[i + 1:]]))
    likeness = (DEFAULT.join + DEFAULT.join_across) / 2 * spread  # between the two bars
    in_band = _trio_among(background, likeness, hours=(9, 9, 10), teams=(1, 2, 3))
    assert [(f.scope, f.report_ids) for f in
            find_patterns(in_band, touching=[0], thresholds=relative)] == [
        ("time", frozenset({0, 1, 2}))]
    spread_out = _trio_among(background, likeness, hours=(9, 13, 17), teams=(1, 2, 3))
    assert find_patterns(spread_out, touching=[0], thresholds=relative) == []


def test_in_a_window_of_noise_a_chance_likeness_is_no_pattern() -> None:
    # Unrelated vectors in their thousands: a trio well above the window's usual similarity
    # (2.5 spreads, past the relative bar) but below the least join bar makes no pattern.
    background = _unrelated(2000, 200)
    sample = background[:200]
    spread = float(np.std((sample @ sample.T)[np.triu_indices(200, 1)]))
    likeness = (DEFAULT.join + 0.6) * spread
    assert likeness < DEFAULT.least_join
    trio = _trio_among(background, likeness, hours=(9, 9, 9), teams=(1, 1, 1))
    assert find_patterns(trio, touching=[0], thresholds=replace(DEFAULT, least_join=0.0))
    assert find_patterns(trio, touching=[0], thresholds=DEFAULT) == []


def test_reports_out_of_reach_do_not_move_the_bar() -> None:
    # The pass may hand in a wider window (a batch, an import): reports more than window_days
    # from the touching one are not part of its window's usual similarity.
    near = _trio_among(_unrelated(40, 200), 0.4, hours=(9, 9, 9), teams=(1, 1, 1))
    far = [replace(item, report_id=1000 + item.report_id, day=START + timedelta(days=60))
           for item in _trio_among(_unrelated(200, 3), 0.0, hours=(9, 9, 9), teams=(2, 2, 2))]
    found = find_patterns([*near, *far], touching=[0], thresholds=DEFAULT)
    assert [f.report_ids for f in found] == [frozenset({0, 1, 2})]
