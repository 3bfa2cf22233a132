"""Pattern alerts in the database: recorded with their members, grown as reports join, found
again by a pass that raced another to insert them, listed with references; vectors saved and
found stale when another model made them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Report
from storage.repositories import PatternRepository, TeamRepository, VectorRepository
from storage.repositories.alert_views import AlertViewRepository
from storage.vectors import to_bytes
from tests.helpers import backend
from tests.storage.builders import store_report

MODEL = "test-model@1"


@dataclass(frozen=True)
class Cluster:
    scope: str
    report_ids: frozenset[int]
    team_id: int | None
    place: str
    hour: int | None
    first_report_id: int
    first_date: date
    last_date: date


async def _reports(session: AsyncSession, days: list[int]) -> tuple[int, list[Report]]:
    team = await TeamRepository(session).create(name="Rosewood", places=["Kitchen"])
    reports = [await store_report(session, team.id, place="Kitchen",
                                  occurred_date=date(2026, 3, day)) for day in days]
    return team.id, reports


def _cluster(team_id: int, reports: list[Report]) -> Cluster:
    return Cluster(scope="place", report_ids=frozenset(r.id for r in reports), team_id=team_id,
                   place="Kitchen", hour=None, first_report_id=reports[0].id,
                   first_date=reports[0].occurred_date, last_date=reports[-1].occurred_date)


async def test_a_new_cluster_is_recorded_with_its_members(session: AsyncSession) -> None:
    team_id, reports = await _reports(session, [2, 5, 9])
    repo = PatternRepository(session)
    recorded = await repo.record(_cluster(team_id, reports), alert_id=None, label="door code")
    alert = recorded.alert
    assert recorded.new and recorded.joined == {r.id for r in reports}
    assert (alert.scope, alert.team_id, alert.place, alert.report_count, alert.label) == (
        "place", team_id, "Kitchen", 3, "door code")
    assert (alert.first_date.date(), alert.last_date.date()) == (date(2026, 3, 2),
                                                                 date(2026, 3, 9))
    assert await members(session, alert.id) == [r.id for r in reports]
    assert await repo.holding(report_ids=[reports[1].id]) == {
        alert.id: frozenset(r.id for r in reports)}
    assert alert.announced_at is None


async def test_an_alert_grows_as_a_report_joins(session: AsyncSession) -> None:
    team_id, reports = await _reports(session, [2, 5, 9, 20])
    repo = PatternRepository(session)
    first = (await repo.record(_cluster(team_id, reports[:3]), alert_id=None, label="")).alert
    grown = await repo.record(_cluster(team_id, reports), alert_id=first.id, label="keypad")
    assert not grown.new and grown.joined == {reports[3].id}
    assert grown.alert.id == first.id and grown.alert.report_count == 4
    assert grown.alert.last_date.date() == date(2026, 3, 20) and grown.alert.label == "keypad"
    assert len(await AlertViewRepository(session).every(team_ids=[team_id])) == 1


async def test_a_cluster_that_spreads_widens_its_alerts_scope(session: AsyncSession) -> None:
    team_id, reports = await _reports(session, [2, 5, 9, 11])
    repo = PatternRepository(session)
    first = (await repo.record(_cluster(team_id, reports[:3]), alert_id=None, label="")).alert
    spread = replace(_cluster(team_id, reports), scope="team", place="")
    grown = (await repo.record(spread, alert_id=first.id, label="")).alert
    assert (grown.id, grown.scope, grown.place, grown.report_count) == (first.id, "team", "", 4)
    # Where another alert of that scope starts at the same report, the alert keeps its own.
    other = (await repo.record(replace(spread, scope="organisation", team_id=None),
                               alert_id=None, label="")).alert
    kept = (await repo.record(replace(spread, scope="organisation", team_id=None),
                              alert_id=grown.id, label="")).alert
    assert kept.scope == "team" and kept.team_id == team_id and other.id != kept.id


async def test_a_cluster_another_pass_inserted_is_grown_not_doubled(
        session: AsyncSession) -> None:
    team_id, reports = await _reports(session, [2, 5, 9, 11])
    repo = PatternRepository(session)
    first = (await repo.record(_cluster(team_id, reports[:3]), alert_id=None, label="")).alert
    # The other pass saw the same cluster (same scope and first report) with another member.
    again = await repo.record(_cluster(team_id, [*reports[:2], reports[3]]), alert_id=None,
                              label="")
    assert again.alert.id == first.id and not again.new
    assert again.alert.report_count == 4


async def test_announced_once_recorded(session: AsyncSession) -> None:
    team_id, reports = await _reports(session, [2, 5, 9])
    repo = PatternRepository(session)
    alert = (await repo.record(_cluster(team_id, reports), alert_id=None, label="")).alert
    assert alert.announced_at is None
    await repo.mark_announced(alert)
    assert alert.announced_at is not None


async def test_vectors_saved_found_stale_and_read_as_a_window(session: AsyncSession) -> None:
    _, reports = await _reports(session, [2, 5, 9, 28])
    vectors = VectorRepository(session)
    assert await vectors.count_needing(model=MODEL) == 4
    one = np.full(384, 1 / np.sqrt(384), dtype=np.float32)
    await vectors.save(vectors={r.id: to_bytes(one) for r in reports[:3]}, model=MODEL)
    await vectors.save(vectors={reports[3].id: to_bytes(one)}, model="older@0")
    assert [r.report_id for r in await vectors.needing(model=MODEL)] == [reports[3].id]
    assert await vectors.count_needing(model=MODEL) == 1
    keys = await vectors.window_keys(since=date(2026, 3, 4), until=date(2026, 3, 31),
                                     model=MODEL)
    assert [report_id for report_id, _ in keys] == [r.id for r in reports[1:3]]
    window = await vectors.window_rows(report_ids=[reports[1].id, reports[3].id], model=MODEL)
    assert [row.report_id for row in window] == [reports[1].id]  # [3]: another model's
    assert window[0].hour == 14 and np.allclose(window[0].vector, one)
    assert window[0].made_at == keys[0][1]
    await vectors.save(vectors={reports[3].id: to_bytes(one)}, model=MODEL)  # rebuilt
    assert await vectors.needing(model=MODEL) == []
    assert (await vectors.texts(report_ids=[reports[0].id]))[reports[0].id].place == "Kitchen"


async def test_two_passes_finding_one_new_cluster_at_once_make_one_alert(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    if not backend.ON_POSTGRES:
        pytest.skip("PostgreSQL only: on SQLite writers take turns, one transaction at a time")
    async with sessionmaker.begin() as session:
        team_id, reports = await _reports(session, [2, 5, 9, 11])
    async with sessionmaker() as first_pass, sessionmaker() as second_pass:
        await first_pass.begin()
        await second_pass.begin()
        first = await PatternRepository(first_pass).record(_cluster(team_id, reports[:3]),
                                                           alert_id=None, label="")
        # The second saw the same cluster with another member; its insert waits for the first.
        racing = asyncio.create_task(PatternRepository(second_pass).record(
            _cluster(team_id, [*reports[:2], reports[3]]), alert_id=None, label=""))
        await _until_one_waits_on_a_lock(sessionmaker)
        await first_pass.commit()
        second = await racing
        await second_pass.commit()
    assert second.alert.id == first.alert.id and first.new and not second.new
    async with sessionmaker() as session:
        [view] = await AlertViewRepository(session).every(team_ids=None)
        assert view.alert.report_count == 4
        assert [member.report_id for member in view.members] == [r.id for r in reports]


async def _until_one_waits_on_a_lock(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Return once a session of this database is blocked waiting for a lock."""
    waiting = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                   "AND wait_event_type = 'Lock'")
    async with asyncio.timeout(30), sessionmaker() as session:
        while not await session.scalar(waiting):
            await session.rollback()
            await asyncio.sleep(0.01)


async def members(session: AsyncSession, alert_id: int) -> list[int]:
    """The alert's member reports as the admin reads them, oldest first."""
    view = await AlertViewRepository(session).one(alert_id=alert_id, team_ids=None)
    assert view is not None
    return [member.report_id for member in view.members]
