"""The load test's results: a row a run, each step's latencies, and the goals judged over
one round or the median of several."""

from __future__ import annotations

import statistics

from bench.load_workers import PAUSE, SCRIPT, Result

GOAL_RATIO, GOAL_P99_MS = 0.5, 50.0  # saturated throughput to the echo bot's; realistic p99


HEADER = (f"{'bot':<11}{'db':<11}{'mode':<8}{'run':<11}{'workers':>7}{'updates':>8}"
          f"{'secs':>7}{'upd/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'RSS MB':>8}"
          f"{'stored':>7}{'CPU ms/upd':>11}")


def row(result: Result) -> str:
    """One run's line of the table under HEADER."""
    c = result.config
    stored = "-" if result.stored is None else str(result.stored)
    return (f"{c.label:<11}{c.db if c.bot != 'echo' else '-':<11}{c.mode:<8}{c.run:<11}"
            f"{c.workers:>7}{len(result.latencies):>8}{result.elapsed:>7.1f}{result.rate:>8.0f}"
            f"{result.percentile(50):>8.1f}{result.percentile(95):>8.1f}"
            f"{result.percentile(99):>8.1f}{result.peak_rss_kb / 1024:>8.0f}{stored:>7}"
            f"{result.cpu_ms_per_update:>11.2f}")


def steps(result: Result) -> str:
    """p50 and p99 of each step of the script: which answer the latency comes from; after a
    lockstep run, the bot's CPU time per update of each step too."""
    def cpu(index: int, replies: int) -> str:
        if index >= len(result.cpu_by_step) or not replies:
            return ""
        return f"  CPU {1000 * result.cpu_by_step[index] / replies:5.2f} ms/upd"
    return "\n".join(
        f"  step {index:>2} {SCRIPT[index][1].split('|')[0][:12]:<13} "
        f"p50 {result.percentile(50, latencies):7.1f} ms  "
        f"p99 {result.percentile(99, latencies):7.1f} ms{cpu(index, len(latencies))}"
        for index, latencies in enumerate(result.by_step) if latencies)


def _complete(results: list[Result]) -> bool:
    return all(not r.failures and r.stored in (None, r.config.workers) for r in results)


def _find(results: list[Result], run: str, bot: str = "nearmiss") -> Result | None:
    return next((r for r in results if r.config.bot == bot and r.config.run == run), None)


def saturation_ratio(results: list[Result]) -> float | None:
    """Our saturated throughput over the echo bot's, when both ran."""
    ours, echo = _find(results, "saturation"), _find(results, "saturation", "echo")
    return ours.rate / echo.rate if ours and echo and echo.rate else None


def realistic_p99(results: list[Result]) -> float | None:
    """Our realistic p99 on SQLite (the goal's), when it ran."""
    ours = _find(results, "realistic")
    return ours.percentile(99) if ours and ours.config.db == "sqlite" else None


def verdict(results: list[Result]) -> bool:
    """Print the ratios and goals; True when every goal that was measured is met."""
    ok = _complete(results)
    echo_runs = {r.config.run: r for r in results if r.config.bot == "echo"}
    echo, echo_realistic = echo_runs.get("saturation"), echo_runs.get("realistic")
    for r in results:
        for failure in r.failures[:5]:
            print(f"  FAILED {r.config.run} {r.config.db}: {failure}")
        if r.config.bot != "nearmiss":
            continue
        if r.config.run == "saturation" and echo is not None and echo.rate:
            ratio = r.rate / echo.rate
            ok &= ratio >= GOAL_RATIO
            print(f"{r.config.label} {r.config.db} {r.config.mode}: saturated throughput "
                  f"{ratio:.2f}x the echo bot's (goal >= {GOAL_RATIO}x); CPU per update "
                  f"{r.cpu_ms_per_update:.2f} ms against its {echo.cpu_ms_per_update:.2f} ms")
        if r.config.run == "realistic" and r.config.db == "sqlite":
            p99 = r.percentile(99)
            ok &= p99 < GOAL_P99_MS
            half = r.config.spread * PAUSE  # seconds either side of PAUSE
            pauses = (f"pauses {PAUSE - half:.1f}-{PAUSE + half:.1f} s" if half
                      else f"pauses exactly {PAUSE:.0f} s")
            floor = ("" if echo_realistic is None else
                     f"; the echo bot's {echo_realistic.percentile(99):.1f} ms")
            print(f"{r.config.db} {r.config.mode}: realistic p99 {p99:.1f} ms "
                  f"(goal < {GOAL_P99_MS:.0f} ms; {pauses}{floor})")
    return ok


def verdict_over(rounds: list[list[Result]]) -> bool:
    """Each round's verdict printed; over several rounds the goals are judged by the median
    of the rounds' figures, each round's echo bot measured just after ours."""
    verdicts = [verdict(results) for results in rounds]
    if len(rounds) == 1:
        return verdicts[0]
    ok = all(_complete(results) for results in rounds)
    ratios = [x for results in rounds if (x := saturation_ratio(results)) is not None]
    p99s = [x for results in rounds if (x := realistic_p99(results)) is not None]
    if ratios:
        median = statistics.median(ratios)
        ok &= median >= GOAL_RATIO
        print(f"over {len(ratios)} rounds: saturated throughput "
              f"{', '.join(f'{x:.2f}' for x in ratios)}x the echo bot's, median {median:.2f}x "
              f"(goal >= {GOAL_RATIO}x)")
    if p99s:
        median = statistics.median(p99s)
        ok &= median < GOAL_P99_MS
        print(f"over {len(p99s)} rounds: realistic p99 "
              f"{', '.join(f'{x:.1f}' for x in p99s)} ms, median {median:.1f} ms "
              f"(goal < {GOAL_P99_MS:.0f} ms)")
    return ok
