"""Pattern alerts: repeating near misses alert once per cluster, per team and organisation."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from learning.patterns import Sighting, clusters
from storage.models import PatternAlert, Report
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
