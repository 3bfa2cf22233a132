"""bench/load.py end to end: a few workers file whole reports against a real `nearmiss run`."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from bench import harness
from bench.load import measure
from bench.load_report import steps, verdict, verdict_over
from bench.load_workers import SCRIPT, Config, Result
from tests.helpers.backend import ON_POSTGRES
from tests.helpers.redis_server import REDIS_URL, needs_redis


async def test_the_load_harness_files_every_workers_report() -> None:
    result = await measure(Config("nearmiss", "sqlite", "polling", "saturation", workers=3))
    assert result.failures == []
    assert result.stored == 3
    assert len(result.latencies) == 3 * len(SCRIPT)
    assert result.peak_rss_kb > 0
    assert 0 < result.cpu_ms_per_update < 1000
    # each step's latencies, one per worker, are the same figures split by the script's step
    assert [len(step) for step in result.by_step] == [3] * len(SCRIPT)
    assert sorted(x for step in result.by_step for x in step) == sorted(result.latencies)


async def test_a_lockstep_run_gives_the_bots_cpu_time_step_by_step() -> None:
    result = await measure(Config("nearmiss", "sqlite", "polling", "lockstep", workers=3))
    assert result.failures == [] and result.stored == 3
    assert [len(step) for step in result.by_step] == [3] * len(SCRIPT)
    assert len(result.cpu_by_step) == len(SCRIPT)
    # the steps' CPU is the run's, split (the clock ticks in hundredths of a second)
    assert all(cpu >= 0 for cpu in result.cpu_by_step)
    assert sum(result.cpu_by_step) == pytest.approx(result.cpu_seconds, abs=0.02)
    assert sum(result.cpu_by_step) > 0
    printed = steps(result).splitlines()
    assert len(printed) == len(SCRIPT) and all(" CPU " in line for line in printed)


def _result(bot: str, run: str, latency: float, updates: int = 100) -> Result:
    config = Config(bot, "sqlite" if bot == "nearmiss" else "-", "polling", run, workers=1)
    return Result(config, [latency] * updates, elapsed=1.0, peak_rss_kb=1,
                  stored=1 if bot == "nearmiss" else None)


def test_the_verdict_takes_the_echo_bots_saturation_for_the_ratio_and_prints_its_floor(
        capsys) -> None:
    ours = [_result("nearmiss", "saturation", 0.5, updates=60),
            _result("nearmiss", "realistic", 0.030)]
    echo = [_result("echo", "saturation", 0.2, updates=100),
            _result("echo", "realistic", 0.020, updates=300)]  # faster: not the ratio's
    assert verdict(ours + echo) is True
    out = capsys.readouterr().out
    assert "saturated throughput 0.60x the echo bot's" in out
    assert "realistic p99 30.0 ms" in out and "the echo bot's 20.0 ms" in out
    # below the ratio's goal, or over the p99's, the verdict fails
    assert verdict([_result("nearmiss", "saturation", 0.5, updates=40), *echo]) is False
    assert verdict([_result("nearmiss", "realistic", 0.060), *echo]) is False


def _round(ours_updates: int, p99: float) -> list[Result]:
    return [_result("nearmiss", "saturation", 0.5, updates=ours_updates),
            _result("nearmiss", "realistic", p99), _result("echo", "saturation", 0.2)]


def test_over_several_rounds_the_median_round_decides(capsys) -> None:
    # ratios 0.40, 0.60, 0.55 (echo 100 updates a second); p99s 60, 30, 40 ms
    rounds = [_round(40, 0.060), _round(60, 0.030), _round(55, 0.040)]
    assert verdict_over(rounds) is True  # the first round alone would fail both goals
    out = capsys.readouterr().out
    assert "over 3 rounds: saturated throughput 0.40, 0.60, 0.55x the echo bot's, " \
           "median 0.55x" in out
    assert "over 3 rounds: realistic p99 60.0, 30.0, 40.0 ms, median 40.0 ms" in out
    assert verdict_over([_round(40, 0.030), _round(45, 0.030), _round(60, 0.030)]) is False
    assert verdict_over([_round(60, 0.030), _round(60, 0.060), _round(60, 0.070)]) is False
    incomplete = _round(60, 0.030)
    incomplete[0].stored = 0  # a report lost in one round fails them all
    assert verdict_over([incomplete, _round(60, 0.030), _round(60, 0.030)]) is False
    assert verdict_over([_round(40, 0.030)]) is verdict(_round(40, 0.030)) is False


@needs_redis
@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL + Redis: runs in the PostgreSQL pass")
async def test_the_load_harness_drives_several_worker_processes_and_counts_them_all() -> None:
    config = Config("nearmiss", "postgresql", "webhook", "saturation", workers=3, processes=2,
                    redis_url=REDIS_URL)
    result = await measure(config)
    assert result.failures == [] and result.stored == 3
    assert config.label == "nearmissx2"
    assert result.peak_rss_kb > 3 * 50 * 1024  # the supervisor and two workers, not one


def test_cpu_time_counts_the_process_and_its_children() -> None:
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    parent = subprocess.Popen([sys.executable, "-c", (
        "import subprocess, sys, time\n"
        f"child = subprocess.Popen([sys.executable, '-c', {burn!r}])\n"
        "time.sleep(5)\nchild.wait()")])
    try:
        deadline = time.monotonic() + 10
        while harness.cpu_seconds(parent.pid) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(harness.family(parent.pid)) in (1, 2)
        assert harness.cpu_seconds(parent.pid) >= 0.3  # mostly the child's
    finally:
        parent.kill()
        parent.wait()
