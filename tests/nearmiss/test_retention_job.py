"""The daily retention job: once per date, time injected, failures retried, bot or no bot."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from nearmiss.bot_in_app import BotInApp
from nearmiss.retention import RetentionJob
from nearmiss.serve import with_retention
from storage.db import create_engine, create_sessionmaker
from storage.models import Report, ReportIdentity, RetentionRun
from storage.repositories import PrivacyRepository, TeamRepository
from storage.schemas import ReporterIdentity
from tests.storage.builders import CURATOR, store_report

NOW = datetime(2026, 6, 15, 0, 30, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _closed_report(sessionmaker: async_sessionmaker[AsyncSession], *,
                         days_ago: int) -> int:
    async with sessionmaker.begin() as session:
        session.info["actor"] = CURATOR
        team = await TeamRepository(session).create(name=f"Team {days_ago}")
        report = await store_report(session, team.id, confidentiality="named",
                                    identity=ReporterIdentity(7_000_000_001, "Amara"))
        report.status, report.closed_at = "closed", NOW - timedelta(days=days_ago)
        return report.id


async def _runs(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count(RetentionRun.id))) or 0


async def _wait_for_runs(sessionmaker: async_sessionmaker[AsyncSession], count: int) -> None:
    for _ in range(200):
        if await _runs(sessionmaker) >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"expected {count} retention runs")


async def test_the_job_runs_once_per_date_by_the_injected_clock(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    report_id = await _closed_report(sessionmaker, days_ago=91)
    clock = Clock(NOW)
    job = RetentionJob(sessionmaker, clock=clock)

    first = await job.tick()
    clock.now = NOW + timedelta(hours=23)
    again = await job.tick()  # same date: a restart or the next hourly check does nothing
    clock.now = NOW + timedelta(days=1)
    tomorrow = await job.tick()

    assert first is not None and len(first.identities_erased) == 1
    assert again is None
    assert tomorrow is not None and tomorrow.identities_erased == ()
    async with sessionmaker() as session:
        assert await session.get(ReportIdentity, report_id) is None
        assert (await session.get(Report, report_id)).identity_erased_at == NOW
        days = list(await session.scalars(select(RetentionRun.run_on).order_by(
            RetentionRun.run_on)))
    assert days == [NOW.date(), NOW.date() + timedelta(days=1)]


async def test_two_processes_at_once_run_the_day_once(
        database_url: str, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _closed_report(sessionmaker, days_ago=120)
    other_engine = create_engine(database_url)  # a second process on the same database
    try:
        jobs = [RetentionJob(sessionmaker, clock=Clock(NOW)),
                RetentionJob(create_sessionmaker(other_engine), clock=Clock(NOW))]
        outcomes = await asyncio.gather(*(job.tick() for job in jobs))
    finally:
        await other_engine.dispose()
    assert sorted(outcome is None for outcome in outcomes) == [False, True]
    assert await _runs(sessionmaker) == 1


async def test_losing_the_race_on_todays_run_is_not_an_error(
        sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: the second insert of the day's RetentionRun fails instead of waiting."""
    original = PrivacyRepository.apply_retention

    async def racing(self: PrivacyRepository, *, now: datetime) -> None:
        async with sessionmaker.begin() as other:  # the other process wins, meanwhile
            await original(PrivacyRepository(other), now=now)
        raise IntegrityError("INSERT INTO retention_runs", {}, Exception("unique"))

    monkeypatch.setattr(PrivacyRepository, "apply_retention", racing)
    assert await RetentionJob(sessionmaker, clock=Clock(NOW)).tick() is None

    async def broken(self: PrivacyRepository, *, now: datetime) -> None:
        raise IntegrityError("INSERT INTO something_else", {}, Exception("foreign key"))

    monkeypatch.setattr(PrivacyRepository, "apply_retention", broken)
    with pytest.raises(IntegrityError):  # not today's run: a real problem, not swallowed
        await RetentionJob(sessionmaker, clock=Clock(NOW + timedelta(days=1))).tick()


async def test_a_failed_tick_is_logged_and_retried_without_stopping(
        sessionmaker: async_sessionmaker[AsyncSession],
        caplog: pytest.LogCaptureFixture) -> None:
    calls = 0

    def flaky_clock() -> datetime:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database unreachable")
        return NOW

    stop = asyncio.Event()
    with caplog.at_level(logging.ERROR, logger="nearmiss.retention"):
        task = asyncio.create_task(RetentionJob(sessionmaker, clock=flaky_clock).run(
            stop, interval=0.01))
        await _wait_for_runs(sessionmaker, 1)
        stop.set()
        await asyncio.wait_for(task, timeout=5)
    assert "retention run failed" in caplog.text
    assert await _runs(sessionmaker) == 1


async def test_the_admin_alone_runs_the_retention_job(
        database_url: str, tmp_path: Path, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """`nearmiss admin` (no bot): the job still runs in the app's lifespan, and stops with it."""
    settings = Settings(_env_file=None, database_url=database_url, data_dir=tmp_path)
    bot = BotInApp(settings, sessionmaker, enabled=False)
    lifespan = with_retention(RetentionJob(sessionmaker, clock=Clock(NOW)), bot.lifespan)

    async with lifespan(FastAPI()):
        await _wait_for_runs(sessionmaker, 1)
        assert bot.status() == {"bot": "not configured (no BOT_TOKEN)"}
    assert await _runs(sessionmaker) == 1
