"""Measure the redaction suggestions (learning/redaction.py) on the written test set.

Run: .venv/bin/python -m bench.redaction_bench [--runs N]

Exact: a suggestion counts only if its kind and both ends match an expected span. Lenient:
a suggestion of the right kind that overlaps an expected span counts (what a reviewer would
still find useful); each expected span is matched at most once.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from learning.redaction import KINDS, Span, find
from tests.learning.redaction_cases import CASES, TODAY

Pairs = list[tuple[list[Span], list[Span]]]  # (expected, found) per sentence


def _exact(expected: Span, found: Span) -> bool:
    return (expected.start, expected.end, expected.kind) == (found.start, found.end, found.kind)


def _overlap(expected: Span, found: Span) -> bool:
    return (expected.kind == found.kind and found.start < expected.end
            and expected.start < found.end)


def _count(pairs: Pairs, same: Callable[[Span, Span], bool], kind: str | None) -> tuple[
        int, int, int]:
    """Matched, expected and found spans of `kind` (None: every kind)."""
    matched = expected_total = found_total = 0
    for expected, found in pairs:
        expected = [span for span in expected if kind in (None, span.kind)]
        found = [span for span in found if kind in (None, span.kind)]
        expected_total += len(expected)
        found_total += len(found)
        unused = list(expected)
        for span in found:
            match = next((want for want in unused if same(want, span)), None)
            if match is not None:
                unused.remove(match)
                matched += 1
    return matched, expected_total, found_total


def _line(label: str, counts: tuple[int, int, int]) -> str:
    matched, expected, found = counts
    recall = matched / expected if expected else 1.0
    precision = matched / found if found else 1.0
    return (f"{label:<15} recall {recall:6.1%} {f'({matched}/{expected})':<9}  "
            f"precision {precision:6.1%} ({matched}/{found})")


def _time(runs: int) -> list[float]:
    """Milliseconds per sentence, one figure per pass over the whole set."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        for case in CASES:
            find(case.text, today=TODAY)
        timings.append((time.perf_counter() - started) * 1000 / len(CASES))
    return timings


def main(runs: int) -> None:
    pairs = [(case.spans(), find(case.text, today=TODAY)) for case in CASES]
    spans = sum(len(expected) for expected, _ in pairs)
    print(f"{len(CASES)} sentences, {spans} expected spans, "
          f"{sum(not expected for expected, _ in pairs)} sentences with none")
    for title, same in (("exact span match", _exact), ("lenient (same kind, overlapping)",
                                                       _overlap)):
        print(f"{title}:")
        for kind in KINDS:
            print("  " + _line(kind, _count(pairs, same, kind)))
        print("  " + _line("all kinds", _count(pairs, same, None)))
    find(CASES[0].text, today=TODAY)  # warm the regular expressions and phone metadata
    timings = _time(runs)
    print(f"time per sentence over {runs} passes: mean {statistics.mean(timings):.3f} ms, "
          f"median {statistics.median(timings):.3f} ms, max {max(timings):.3f} ms")
    for expected, found in pairs:
        missed = [span for span in expected if not any(_exact(span, f) for f in found)]
        extra = [span for span in found if not any(_exact(e, span) for e in expected)]
        for label, wrong in (("missed", missed), ("extra", extra)):
            for span in wrong:
                print(f"{label:>7} {span.kind:<14} {span.text!r}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    main(args.runs)
