"""bench/load.py end to end: a few workers file whole reports against a real `nearmiss run`."""

from __future__ import annotations

from bench.load import SCRIPT, Config, measure


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
