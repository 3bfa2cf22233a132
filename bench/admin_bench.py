"""Server time of the admin's filtered report list and dashboard pages on 100,000 reports.

Each request goes through the whole stack (session cookie, CSRF middleware, SQLAdmin, the
query, the template) in-process over ASGI, so the figure is the server's time, not the network.

Run: .venv/bin/python -m bench.admin_bench [--reports N] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

from admin.app import create_app
from admin.security import hash_password
from bench.seed import seed
from core.settings import Settings
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade_async
from storage.repositories import AdminUserRepository
from tests.helpers.admin_client import AdminClient

GOALS_MS = {"list": 100.0, "dashboard": 500.0}


def pages(today: date) -> list[tuple[str, str, str]]:
    """(goal, name, URL): the list as reviewers filter it, and the dashboard."""
    month_ago = (today - timedelta(days=30)).isoformat()
    return [
        ("list", "list: newest first, no filter", "/admin/reports"),
        ("list", "list: one team", "/admin/reports?team=3"),
        ("list", "list: category + last 30 days",
         f"/admin/reports?category=medication&date_from={month_ago}"),
        ("list", "list: status + tier", "/admin/reports?status=in_review&tier=moderate"),
        ("list", "list: text search 'hoist'", "/admin/reports?q=hoist"),
        ("list", "list: page 40", "/admin/reports?page=40"),
        ("dashboard", "dashboard: all teams, 90 days", "/admin/dashboard"),
        ("dashboard", "dashboard: one team, 90 days", "/admin/dashboard?team=3"),
        ("dashboard", "dashboard: all teams, 12 months",
         f"/admin/dashboard?date_from={(today - timedelta(days=364)).isoformat()}"),
    ]


async def measure(client: AdminClient, url: str, runs: int) -> list[float]:
    timings = []
    for attempt in range(runs + 1):  # the first request warms the caches and is not counted
        started = time.perf_counter()
        response = await client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        if attempt:
            timings.append(elapsed)
    return timings


def line(name: str, goal: str, timings: list[float]) -> str:
    p95 = statistics.quantiles(timings, n=20, method="inclusive")[18]
    verdict = "ok" if p95 <= GOALS_MS[goal] else f"OVER the {GOALS_MS[goal]:.0f} ms goal"
    return (f"{name:<36} median {statistics.median(timings):7.1f} ms   p95 {p95:7.1f} ms   "
            f"{verdict}")


async def main(reports: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await upgrade_async(url)
        started = time.perf_counter()
        seeded = await seed(url, reports=reports, last_date=date.today())
        print(f"seeded {seeded.reports} reports and {seeded.actions} actions in "
              f"{time.perf_counter() - started:.1f} s; {runs} timed requests per page")
        engine = create_engine(url)
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker() as session:
            await AdminUserRepository(session).create(
                email="bench@example.org", role="admin",
                password_hash=hash_password("bench password 123"))
            await session.commit()
        app = create_app(Settings(_env_file=None, database_url=url, data_dir=Path(folder),
                                  admin_base_url="http://bench"),
                         sessionmaker, failed_login_delay=0)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            client = AdminClient(http)
            await client.login("bench@example.org", "bench password 123")
            for goal, name, page in pages(date.today()):
                print(line(name, goal, await measure(client, page, runs)), flush=True)
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(args.reports, args.runs))
