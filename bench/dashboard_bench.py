"""Time the whole dashboard (storage.stats.summary) on a seeded SQLite file.

Run: .venv/bin/python -m bench.dashboard_bench [--reports N] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.seed import seed
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade_async
from storage.models import Team
from storage.stats import StatsScope, summary

BUDGET_MS = 500.0
DASHBOARD_DAYS = 90  # the dashboard's default period (admin/views/insight.py)


async def _time(
    sessionmaker: async_sessionmaker[AsyncSession], scope: StatsScope, runs: int, today: date
) -> list[float]:
    """Run summary once to warm the page cache, then `runs` times, each in a fresh session."""
    timings = []
    for attempt in range(runs + 1):
        async with sessionmaker() as session:
            started = time.perf_counter()
            await summary(session, scope, today=today)
            elapsed = (time.perf_counter() - started) * 1000
        if attempt:
            timings.append(elapsed)
    return timings


def _report(name: str, timings: list[float]) -> str:
    p95 = statistics.quantiles(timings, n=20, method="inclusive")[18]
    verdict = "ok" if p95 <= BUDGET_MS else "OVER BUDGET"
    return (f"{name:<34} median {statistics.median(timings):7.1f} ms   "
            f"p95 {p95:7.1f} ms   max {max(timings):7.1f} ms   {verdict}")


async def main(reports: int, runs: int) -> None:
    today = date.today()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await upgrade_async(url)
        started = time.perf_counter()
        seeded = await seed(url, reports=reports, last_date=today)
        print(f"seeded {seeded.reports} reports, {seeded.actions} actions, {seeded.teams} teams "
              f"({seeded.first_date}..{seeded.last_date}) in {time.perf_counter() - started:.1f} s")
        engine = create_engine(url)
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker() as session:
            team_id = await session.scalar(select(Team.id).order_by(Team.id).limit(1))
        quarter = (today - timedelta(days=DASHBOARD_DAYS - 1), today)
        year = (today - timedelta(days=364), today)
        scopes = {
            f"all teams, last {DASHBOARD_DAYS} days": StatsScope(None, *quarter),
            f"one team, last {DASHBOARD_DAYS} days": StatsScope((team_id,), *quarter),
            "all teams, last 12 months": StatsScope(None, *year),
            "one team, last 12 months": StatsScope((team_id,), *year),
            "all teams, all time": StatsScope(),
            "one team, all time": StatsScope((team_id,)),
        }
        print(f"summary() over {runs} runs each (budget {BUDGET_MS:.0f} ms):")
        for name, scope in scopes.items():
            print(_report(name, await _time(sessionmaker, scope, runs, today)), flush=True)
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    asyncio.run(main(args.reports, args.runs))
