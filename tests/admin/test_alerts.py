"""The Alerts page: each team's reviewers see and acknowledge their own pattern alerts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import PatternAlert
from tests.admin.conftest import World

DAY = datetime(2026, 3, 2, tzinfo=UTC)


async def _alert(sessionmaker: async_sessionmaker[AsyncSession], *, team_id: int | None,
                 place: str, first_report_id: int) -> int:
    async with sessionmaker.begin() as session:
        alert = PatternAlert(
            scope="place" if team_id else "organisation", team_id=team_id, place=place,
            first_report_id=first_report_id, report_count=3, first_date=DAY, last_date=DAY,
            label="door code, agency")
        session.add(alert)
        await session.flush()
        return alert.id


async def _seed(sessionmaker: async_sessionmaker[AsyncSession], world: World) -> list[int]:
    return [await _alert(sessionmaker, team_id=world.team_a, place="Lounge",
                         first_report_id=world.report_a),
            await _alert(sessionmaker, team_id=world.team_b, place="Hall Corridor",
                         first_report_id=world.report_b),
            await _alert(sessionmaker, team_id=None, place="", first_report_id=world.report_a)]


async def test_a_reviewer_sees_and_acknowledges_only_their_teams_alert(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    own, other, organisation = await _seed(sessionmaker, world)
    reviewer = await as_role("reviewer")
    page = (await reviewer.get("/admin/alerts")).text
    assert f'id="alert-{own}"' in page and "Lounge" in page
    assert f'id="alert-{other}"' not in page and "Hall Corridor" not in page
    assert f'id="alert-{organisation}"' not in page
    assert "date_from=2026-03-02&amp;date_to=2026-03-02" in page
    assert "At one place" in page and "door code, agency" in page  # a curator sees the label
    assert f"place=Lounge&amp;team={world.team_a}" in page
    answer = await reviewer.post(f"/admin/alerts/{own}/acknowledge")
    assert answer.status_code == 303
    assert "Acknowledged by reviewer@example.org" in (await reviewer.get("/admin/alerts")).text
    assert (await reviewer.post(f"/admin/alerts/{other}/acknowledge")).status_code == 404
    assert (await reviewer.post(f"/admin/alerts/{organisation}/acknowledge")).status_code == 404


async def test_a_viewer_may_read_alerts_but_not_acknowledge_them(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    own, _, _ = await _seed(sessionmaker, world)
    viewer = await as_role("viewer")
    page = await viewer.get("/admin/alerts")
    assert page.status_code == 200 and f'id="alert-{own}"' in page.text
    assert ">Acknowledge<" not in page.text
    assert "door code" not in page.text  # the label is drawn from workers' words
    assert (await viewer.post(f"/admin/alerts/{own}/acknowledge")).status_code == 403


async def test_an_administrator_sees_organisation_level_alerts(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    ids = await _seed(sessionmaker, world)
    page = (await (await as_role("admin")).get("/admin/alerts")).text
    assert all(f'id="alert-{alert_id}"' in page for alert_id in ids)
    assert "Across teams" in page
