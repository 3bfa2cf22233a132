"""The pattern pass: queued reports get their vectors and are compared by meaning; a cluster
is recorded once with its members and grows; its audience hears once, without words, and only
of reports queued to be announced; a pass that fails keeps its reports queued."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.patterns import PatternWatch
from core.i18n import Translator
from core.settings import locales_dir
from learning.embedding import model_id
from storage.models import OutboxMessage, PatternAlert, PatternCheck, ReportVector
from storage.repositories import GroupRepository, TeamRepository
from storage.repositories.alert_views import AlertViewRepository
from tests.helpers.hazards import DOOR_CODE, UNRELATED, WORKERS_WORDS
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
               reports: list[tuple[str, str, str]], *, first_day: int = 2,
               announce: bool = True) -> list[int]:
    ids = []
    async with sessionmaker.begin() as session:
        for n, (what, how, category) in enumerate(reports):
            report = await store_report(session, team_id, place="Kitchen", category=category,
                                        what_happened=what, how_prevented=how,
                                        immediate_action=None, suggestions=None,
                                        occurred_date=date(2026, 3, first_day + 3 * n))
            ids.append(report.id)
        if not announce:  # as history is imported
            await session.execute(update(PatternCheck).where(PatternCheck.report_id.in_(ids))
                                  .values(announce=False))
    return ids


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def heads_ups(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(OutboxMessage.text)
                                     .where(OutboxMessage.kind == "alert",
                                            OutboxMessage.chat_id == GROUP))
        return list(rows)


async def alerts(sessionmaker: async_sessionmaker[AsyncSession],
                 team_id: int) -> list[tuple[PatternAlert, list[int]]]:
    async with sessionmaker() as session:
        return [(view.alert, [member.report_id for member in view.members])
                for view in await AlertViewRepository(session).every(team_ids=[team_id])]


async def test_one_hazard_in_different_words_alerts_once_and_grows(
        sessionmaker: async_sessionmaker[AsyncSession], team_id: int) -> None:
    first = await file(sessionmaker, team_id, DOOR_CODE[:3])
    assert await watch(sessionmaker).drain() == 3
    [(alert, members)] = await alerts(sessionmaker, team_id)
    assert members == first and alert.report_count == 3 and alert.announced_at is not None
    assert alert.scope == "place" and alert.place == "Kitchen"
    [text] = await heads_ups(sessionmaker)
    assert text.startswith("3 similar near misses in 7 days at Kitchen; a reviewer is "
                           "looking at them.")
    assert "Environment and equipment" in text and "Safeguarding" in text
    assert not any(word in text.lower() for word in WORKERS_WORDS)
    assert await count(sessionmaker, ReportVector) == 3
    fourth = await file(sessionmaker, team_id, DOOR_CODE[3:], first_day=12)
    await watch(sessionmaker).drain()
    [(grown, members)] = await alerts(sessionmaker, team_id)
    assert grown.id == alert.id and members == first + fourth and grown.report_count == 4
    assert len(await heads_ups(sessionmaker)) == 1  # heard once


async def test_unrelated_reports_of_one_category_at_one_place_raise_nothing(
        sessionmaker: async_sessionmaker[AsyncSession], team_id: int) -> None:
    await file(sessionmaker, team_id, UNRELATED)
    assert await watch(sessionmaker).drain() == 3
    assert await alerts(sessionmaker, team_id) == [] and await heads_ups(sessionmaker) == []


async def test_imported_history_is_recorded_but_not_announced(
        sessionmaker: async_sessionmaker[AsyncSession], team_id: int) -> None:
    await file(sessionmaker, team_id, DOOR_CODE[:3], announce=False)
    await watch(sessionmaker).drain()
    [(alert, _)] = await alerts(sessionmaker, team_id)
    assert alert.report_count == 3 and alert.announced_at is None
    assert await heads_ups(sessionmaker) == []


async def test_an_imported_alert_is_announced_once_a_filed_report_joins_it(
        sessionmaker: async_sessionmaker[AsyncSession], team_id: int) -> None:
    await file(sessionmaker, team_id, DOOR_CODE[:3], announce=False)
    await watch(sessionmaker).drain()
    await file(sessionmaker, team_id, DOOR_CODE[3:], first_day=12)
    await watch(sessionmaker).drain()
    [text] = await heads_ups(sessionmaker)
    assert text.startswith("4 similar near misses in 11 days at Kitchen;")
    [(alert, members)] = await alerts(sessionmaker, team_id)
    assert len(members) == 4 and alert.announced_at is not None


async def test_a_reviewers_title_is_the_only_wording_a_group_hears(
        sessionmaker: async_sessionmaker[AsyncSession], team_id: int) -> None:
    await file(sessionmaker, team_id, DOOR_CODE[:2], announce=False)
    await watch(sessionmaker).drain()
    async with sessionmaker.begin() as session:  # two: no alert yet; the title is set later
        assert await AlertViewRepository(session).every(team_ids=None) == []
    await file(sessionmaker, team_id, DOOR_CODE[2:3], first_day=9)
    pass_ = watch(sessionmaker)
    heads_up = pass_._heads_up

    async def titled(session: AsyncSession, alert: PatternAlert, members: object) -> None:
        await AlertViewRepository(session).set_title(alert, title="Door codes for agency staff",
                                                      by="rev@example.org")
        await heads_up(session, alert, members)  # type: ignore[arg-type]

    pass_._heads_up = titled  # type: ignore[method-assign]
    await pass_.drain()
    [text] = await heads_ups(sessionmaker)
    assert text.endswith("What a reviewer says they share: Door codes for agency staff")


async def test_a_vector_from_another_model_is_rebuilt_by_the_pass(
        sessionmaker: async_sessionmaker[AsyncSession], team_id: int) -> None:
    [report_id] = await file(sessionmaker, team_id, DOOR_CODE[:1])
    async with sessionmaker.begin() as session:
        session.add(ReportVector(report_id=report_id, model="older@0", vector=b"\0" * 1536))
    await watch(sessionmaker).drain()
    async with sessionmaker() as session:
        stored = await session.get(ReportVector, report_id)
        assert stored is not None and stored.model == model_id() and any(stored.vector)


async def test_a_failed_pass_keeps_its_reports_queued_and_is_tried_again(
        sessionmaker: async_sessionmaker[AsyncSession], team_id: int,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    await file(sessionmaker, team_id, DOOR_CODE[:3])
    pass_ = watch(sessionmaker, interval=0.05)
    heads_up = pass_._heads_up
    failures: list[int] = []

    async def fails_once(session: AsyncSession, alert: PatternAlert, members: object) -> None:
        if not failures:
            failures.append(alert.id)
            raise ConnectionError("database went away")
        await heads_up(session, alert, members)  # type: ignore[arg-type]

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
        async with asyncio.timeout(60):
            while await count(sessionmaker, PatternCheck):
                await asyncio.sleep(0.02)
        stop.set()
        await asyncio.wait_for(running, 30)
    assert "pattern check failed (ConnectionError: database went away)" in caplog.text
    assert len(await heads_ups(sessionmaker)) == 1
    assert await count(sessionmaker, PatternAlert) == 1
