"""The corpus scoring: what finds a planted group, what alerts a decoy, what is a false alert."""

from __future__ import annotations

from bench.learning_eval import Alert, Label, missed, score

LABELS = {
    **{f"p{i}": Label("place-1", "place") for i in range(4)},
    **{f"o{i}": Label("org-1", "organisation") for i in range(2)},
    **{f"d{i}": Label("decoy-1", "decoy") for i in range(3)},
    **{f"b{i}": Label("", "background") for i in range(6)},
}


def _alert(*members: str) -> Alert:
    return Alert(scope="place", members=frozenset(members))


def test_a_group_is_found_by_enough_of_it_making_up_half_an_alert() -> None:
    figures = score([_alert("p0", "p1", "p2", "b0", "b1", "b2")], LABELS)
    assert figures.found == {"place": 1, "organisation": 0} and figures.false_alerts == 0
    polluted = score([_alert("p0", "p1", "p2", "b0", "b1", "b2", "b3")], LABELS)
    assert polluted.recall("place") == 0.0 and polluted.false_alerts == 1
    assert score([_alert("p0", "p1", "b0")], LABELS).recall("place") == 0.0  # 2 of 4


def test_a_small_group_needs_all_of_itself() -> None:
    assert score([_alert("o0", "o1", "b0")], LABELS).recall("organisation") == 100.0
    assert score([_alert("o0", "b0", "b1")], LABELS).recall("organisation") == 0.0


def test_decoys_and_false_alerts_are_counted_and_shared_out() -> None:
    figures = score([_alert("d0", "d1", "d2"), _alert("b0", "b1", "b2"),
                     _alert("p0", "p1", "p2", "p3")], LABELS)
    assert (figures.decoys_alerted, figures.decoys) == (1, 1)
    assert (figures.false_alerts, figures.alerts) == (2, 3)
    assert round(figures.false_share, 1) == 66.7
    assert figures.recall("place") == 100.0 and figures.recall("organisation") == 0.0
    assert figures.overall_recall == 50.0
    assert missed([_alert("p0", "p1", "p2")], LABELS) == ["org-1"]


def test_no_alerts_scores_nothing_found_and_nothing_false() -> None:
    figures = score([], LABELS)
    assert figures.overall_recall == 0.0 and figures.false_share == 0.0
    assert figures.as_dict()["recall_place"] == 0.0
