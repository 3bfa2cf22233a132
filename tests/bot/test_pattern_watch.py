"""The pattern pass: queued reports are checked beside the bot, each cluster's heads-up is
queued once, and a pass that fails keeps its reports queued for the next."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.patterns import PatternWatch
from core.i18n import Translator
from core.settings import locales_dir
from storage.models import OutboxMessage, PatternAlert, PatternCheck
from storage.repositories import GroupRepository, PatternRepository, TeamRepository
from tests.storage.builders import store_report

GROUP = -501


@pytest.fixture
async def team_id(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker.begin() as session:
        team = await TeamRepository(session).create(name="Rosewood", places=["Kitchen"])
        await GroupRepository(session).link(team_id=team.id, chat_id=GROUP, title="Day shift",
                                            linked_by=1, now=datetime.now(UTC))
        return team.id


def watch(sessionmaker: async_sessionmaker[AsyncSession], **kwargs: float) -> PatternWatch:
    return PatternWatch(sessionmaker, Translator(locales_dir(), "en"), min_reports=3,
                        window_days=30, **kwargs)  # type: ignore[arg-type]


async def file(sessionmaker: async_sessionmaker[AsyncSession], team_id: int,
               days: list[int]) -> None:
    async with sessionmaker.begin() as session:
        for day in days:
            await store_report(session, team_id, place="Kitchen",
                               occurred_date=date(2026, 3, day))


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def alerts_queued(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(OutboxMessage.text)
                                     .where(OutboxMessage.kind == "alert",
                                            OutboxMessage.chat_id == GROUP))
        return list(rows)


async def test_running_it_checks_reports_as_they_come_until_stopped(
        sessionmaker: async_sessionmaker[AsyncSession], team_id: int) -> None:
    stop = asyncio.Event()
    running = asyncio.create_task(watch(sessionmaker, interval=0.05).run(stop))
    await file(sessionmaker, team_id, [2, 3])
    await file(sessionmaker, team_id, [4])
    async with asyncio.timeout(10):
        while await count(sessionmaker, PatternCheck) or not await alerts_queued(sessionmaker):
            await asyncio.sleep(0.02)
    await file(sessionmaker, team_id, [5])  # joins the cluster: counted, no second heads-up
    async with asyncio.timeout(10):
        while await count(sessionmaker, PatternCheck):
            await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(running, 5)
    assert await alerts_queued(sessionmaker) == [
        "Heads-up: 3 near misses about Medication at Kitchen in the last 30 days. Take a "
        "moment at handover to talk about it."]
    async with sessionmaker() as session:
        [alert] = await PatternRepository(session).list(team_ids=[team_id])
    assert alert.report_count == 4


async def test_a_failed_pass_keeps_its_reports_queued_and_is_tried_again(
        sessionmaker: async_sessionmaker[AsyncSession], team_id: int,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    await file(sessionmaker, team_id, [2, 3, 4])
    pass_ = watch(sessionmaker, interval=0.05)
    heads_up = pass_._heads_up
    failures = []

    async def fails_once(session: AsyncSession, alert: PatternAlert) -> None:
        if not failures:
            failures.append(alert.id)
            raise ConnectionError("database went away")
        await heads_up(session, alert)

    monkeypatch.setattr(pass_, "_heads_up", fails_once)
    with pytest.raises(ConnectionError):
        await pass_.check_batch()
    # Rolled back together: no alert without its heads-up, and the reports still queued.
    assert await count(sessionmaker, PatternAlert) == 0
    assert await count(sessionmaker, PatternCheck) == 3

    stop = asyncio.Event()
    with caplog.at_level(logging.ERROR, logger="bot.patterns"):
        failures.clear()
        running = asyncio.create_task(pass_.run(stop))
        async with asyncio.timeout(10):
            while await count(sessionmaker, PatternCheck):
                await asyncio.sleep(0.02)
        stop.set()
        await asyncio.wait_for(running, 5)
    assert "pattern check failed (ConnectionError: database went away)" in caplog.text
    assert len(await alerts_queued(sessionmaker)) == 1
    assert await count(sessionmaker, PatternAlert) == 1
