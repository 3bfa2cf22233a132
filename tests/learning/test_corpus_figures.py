"""The learning's figures on the labelled corpus stay where they were recorded.

Each half of tests/learning/corpus/ goes through the product as an operator would run it
(`nearmiss reports import` into a new SQLite file, which runs the pattern pass, then
`nearmiss alerts list --json`; bench/learning_bench.py) and is scored (bench/learning_eval.py);
the test fails when a recall or the share of false alerts moves more than 2 points from
tests/learning/corpus/figures.json, which `python -m bench.learning_bench --record` wrote. A
change that moves them must record them again, and say so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.learning_bench import CORPUS, HALVES, run_half
from bench.learning_eval import PLANTED
from tests.helpers.backend import sqlite_only

RECORDED = json.loads((CORPUS / "figures.json").read_text(encoding="utf-8"))
TOLERANCE = 2.0

pytestmark = sqlite_only("the corpus runs through its own SQLite file, whatever the suite's "
                         "database")


@pytest.mark.parametrize("half", HALVES)
def test_figures_hold(half: str, tmp_path: Path) -> None:
    measured = run_half(CORPUS / half, tmp_path).figures.as_dict()
    recorded = RECORDED["halves"][half]
    for key in [f"recall_{kind}" for kind in PLANTED] + ["false_alert_share"]:
        assert abs(measured[key] - recorded[key]) <= TOLERANCE, (half, key, measured, recorded)


def test_every_half_is_recorded() -> None:
    assert sorted(RECORDED["halves"]) == sorted(HALVES)
