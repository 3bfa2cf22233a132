"""The pattern method's figures on the labelled corpus stay where they were recorded.

Each half of tests/learning/corpus/ is replayed through the real model and the pattern method
(bench/learning_replay.py) and scored (bench/learning_eval.py); the test fails when a recall or
the share of false alerts moves more than 2 points from tests/learning/corpus/figures.json,
which a run of `python -m bench.learning_replay --record` wrote. A change to the method that
moves them must record them again, and say so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.learning_eval import PLANTED
from bench.learning_replay import run
from learning.patterns import Thresholds

CORPUS = Path(__file__).parent / "corpus"
RECORDED = json.loads((CORPUS / "figures.json").read_text(encoding="utf-8"))
TOLERANCE = 2.0


@pytest.mark.parametrize("half", sorted(RECORDED["halves"]))
def test_figures_hold(half: str) -> None:
    figures, _ = run(CORPUS / half, Thresholds())
    measured = figures.as_dict()
    recorded = RECORDED["halves"][half]
    for key in [f"recall_{kind}" for kind in PLANTED] + ["false_alert_share"]:
        assert abs(measured[key] - recorded[key]) <= TOLERANCE, (half, key, measured, recorded)


def test_every_half_is_recorded() -> None:
    assert sorted(RECORDED["halves"]) == ["holdout", "tune", "tune2"]
