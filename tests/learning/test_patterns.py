"""Pattern alerts: repeating near misses alert once per cluster, per team and organisation."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from learning.patterns import Sighting, clusters
from storage.models import PatternAlert, PatternCheck, Report
from storage.repositories import PatternRepository, ReportRepository, TeamRepository
from storage.schemas import ReportCreate

START = date(2026, 3, 2)
_keys = itertools.count()


async def _file(session: AsyncSession, team_id: int, day: int, *, place: str = "Kitchen",
                category: str = "environment") -> Report:
    return await ReportRepository(session).create(data=ReportCreate(
        confidentiality="anonymous",
        draft_key=f"pattern-{next(_keys)}", team_id=team_id, language="en",
        occurred_date=START + timedelta(days=day), occurred_time=None, time_of_day="morning",
        place=place, place_id=None, category=category, what_happened="Urn left on",
        how_prevented="Turned off", immediate_action=None, told=(), suggestions=None,
        submitted_at=datetime.now(UTC)))


async def _filed(session: AsyncSession, team_id: int, days: list[int],
                 **kwargs: str) -> list[PatternAlert]:
    """File reports on these days, checking after each; return every new alert."""
    alerts: list[PatternAlert] = []
    for day in days:
        report = await _file(session, team_id, day, **kwargs)
        alerts += await PatternRepository(session).check(report=report, min_reports=3,
                                                         window_days=30)
    return alerts


async def _team(session: AsyncSession, name: str = "Rosewood") -> int:
    return (await TeamRepository(session).create(name=name)).id


async def test_three_in_thirty_days_at_one_place_alert_once(session: AsyncSession) -> None:
    team_id = await _team(session)
    alerts = await _filed(session, team_id, [0, 10, 20])
    assert [(a.scope, a.category, a.place, a.report_count) for a in alerts] == [
        (f"team:{team_id}", "environment", "Kitchen", 3)]


async def test_two_reports_make_no_alert(session: AsyncSession) -> None:
    assert await _filed(session, await _team(session), [0, 5]) == []


async def test_three_spread_over_forty_days_make_no_alert(session: AsyncSession) -> None:
    assert await _filed(session, await _team(session), [0, 20, 40]) == []


async def test_a_fourth_report_in_the_cluster_adds_no_alert(session: AsyncSession) -> None:
    team_id = await _team(session)
    first = await _filed(session, team_id, [0, 10, 20])
    assert await _filed(session, team_id, [25]) == []
    listed = await PatternRepository(session).list(team_ids=[team_id])
    assert [a.id for a in listed] == [first[0].id] and listed[0].report_count == 4


async def test_a_steady_problem_stays_one_cluster(session: AsyncSession) -> None:
    team_id = await _team(session)
    assert len(await _filed(session, team_id, [0, 10, 20, 35, 50, 65, 80, 95])) == 1


async def test_a_later_cluster_after_a_gap_alerts_again(session: AsyncSession) -> None:
    team_id = await _team(session)
    early = await _filed(session, team_id, [0, 10, 20])
    later = await _filed(session, team_id, [90, 95, 100])
    assert len(early) == len(later) == 1
    assert later[0].first_report_id != early[0].first_report_id


async def test_different_places_do_not_cluster(session: AsyncSession) -> None:
    team_id = await _team(session)
    await _filed(session, team_id, [0, 1], place="Kitchen")
    assert await _filed(session, team_id, [2], place="Garden") == []


async def test_places_match_whatever_their_case(session: AsyncSession) -> None:
    team_id = await _team(session)
    await _filed(session, team_id, [0, 1], place="Kitchen")
    alerts = await _filed(session, team_id, [2], place="KITCHEN")
    assert [a.place for a in alerts] == ["Kitchen"]


async def test_similar_risks_in_two_teams_raise_one_organisation_alert(
        session: AsyncSession) -> None:
    rose, oak = await _team(session, "Rosewood"), await _team(session, "Oak Lodge")
    alerts = await _filed(session, rose, [0, 3], place="Kitchen")
    alerts += await _filed(session, oak, [5], place="Lounge")
    assert [(a.scope, a.team_id, a.place, a.report_count) for a in alerts] == [
        ("organisation", None, "", 3)]
    assert await _filed(session, oak, [6], place="Hall") == []
    repo = PatternRepository(session)
    assert len(await repo.list(team_ids=None)) == 1
    assert await repo.list(team_ids=[rose, oak]) == []


async def test_one_team_alone_raises_no_organisation_alert(session: AsyncSession) -> None:
    team_id = await _team(session)
    alerts = await _filed(session, team_id, [0, 1, 2])
    assert [a.scope for a in alerts] == [f"team:{team_id}"]


async def test_acknowledging_records_who(session: AsyncSession) -> None:
    alert = (await _filed(session, await _team(session), [0, 1, 2]))[0]
    await PatternRepository(session).acknowledge(alert, by="rev@example.org")
    assert alert.acknowledged_by == "rev@example.org"


def test_clusters_need_reports_from_enough_teams() -> None:
    day = date(2026, 1, 1)
    one_team = [Sighting(i, day + timedelta(days=i), 7) for i in range(3)]
    assert clusters(one_team, min_reports=3, window_days=30, min_teams=2) == []
    assert [c.count for c in clusters(one_team, min_reports=3, window_days=30)] == [3]


async def _queued(session: AsyncSession) -> list[int]:
    return list(await session.scalars(select(PatternCheck.report_id)
                                      .order_by(PatternCheck.report_id)))


async def _file_many(session: AsyncSession, rose: int, oak: int) -> list[Report]:
    """Two places of one team repeating, another team adding to the organisation's cluster,
    a later cluster after a gap, and a one-off."""
    plan = [(rose, 0, "Kitchen"), (rose, 10, "KITCHEN"), (rose, 12, "Garden"),
            (oak, 14, "Lounge"), (rose, 20, "Kitchen"), (rose, 21, "Garden"),
            (rose, 25, "Garden"), (rose, 90, "Kitchen"), (rose, 95, "kitchen"),
            (rose, 100, "Kitchen"), (oak, 200, "Hall")]
    return [await _file(session, team, day, place=place) for team, day, place in plan]


def _described(alerts: list[PatternAlert]) -> set[tuple[str, str, int, int]]:
    return {(a.scope, a.place, a.first_report_id, a.report_count) for a in alerts}


async def test_a_batch_is_checked_at_once_each_cluster_at_its_full_count(
        session: AsyncSession) -> None:
    rose, oak = await _team(session, "Rosewood"), await _team(session, "Oak Lodge")
    reports = await _file_many(session, rose, oak)
    assert await _queued(session) == [report.id for report in reports]  # every new one
    found, checked = await PatternRepository(session).check_queued(
        min_reports=3, window_days=30, limit=100)
    assert checked == len(reports) and await _queued(session) == []
    first = [report.id for report in reports]
    assert _described(found) == {
        (f"team:{rose}", "Kitchen", first[0], 3),  # days 0, 10, 20 (one typed in capitals)
        (f"team:{rose}", "Kitchen", first[7], 3),  # days 90, 95, 100, after a gap
        (f"team:{rose}", "Garden", first[2], 3),  # days 12, 21, 25
        ("organisation", "", first[0], 7)}  # days 0-25, Oak Lodge's day 14 among them
    assert await PatternRepository(session).check_queued(
        min_reports=3, window_days=30, limit=100) == ([], 0)


async def test_the_pass_takes_a_batch_at_a_time_and_deleted_reports_leave_the_queue(
        session: AsyncSession) -> None:
    team_id = await _team(session)
    reports = [await _file(session, team_id, day) for day in (0, 1, 2, 3, 4)]
    session.info["actor"] = (None, "retention")  # deleting a report is audited
    await session.delete(reports[0])
    await session.flush()
    assert await _queued(session) == [r.id for r in reports[1:]]
    repo = PatternRepository(session)
    found, checked = await repo.check_queued(min_reports=3, window_days=30, limit=2)
    # Two of the four checked, against every report stored: the cluster is all four.
    assert checked == 2 and [a.report_count for a in found] == [4]
    assert await _queued(session) == [r.id for r in reports[3:]]
    assert await repo.check_queued(min_reports=3, window_days=30, limit=2) == ([], 2)
    assert await _queued(session) == []
