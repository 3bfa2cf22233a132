"""Viewers read and search only what is de-identified: the reference, the redacted summary and
a team's own place names. The workers' words, and a place a worker typed, stay with curators
on every page, search, filter, chart, alert and report a viewer can reach."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import PatternAlert
from storage.repositories import ReportRepository
from storage.schemas import ReportCreate
from tests.admin.conftest import AMARA, World

TYPED_PLACE = "Flat 2 beside Mrs Pritchard"
SUMMARY = "A resident was nearly given another resident's medicine"
# A word found in one field of the worker's answers only.
WORKERS_WORDS = {"what_happened": "Warfarin", "how_prevented": "Bisoprolol",
                 "immediate_action": "Okafor", "suggestions": "Blisterpack",
                 "place": "Pritchard"}
CURATORS = ("admin", "reviewer")


async def _typed_place_reports(sessionmaker: async_sessionmaker[AsyncSession], world: World,
                               count: int = 3) -> list[str]:
    """Reports at a typed place in team A (three make a repeat theme); the first redacted."""
    references = []
    async with sessionmaker.begin() as session:
        session.info["actor"] = (None, "test-setup")
        reports = ReportRepository(session)
        for number in range(count):
            report = await reports.create(data=ReportCreate(
                draft_key=f"typed-{number}", identity=AMARA, team_id=world.team_a,
                language="en", occurred_date=date.today() - timedelta(days=3 + number),
                occurred_time=None, time_of_day="evening", place=TYPED_PLACE, place_id=None,
                category="medication",
                what_happened="Warfarin nearly given twice by the agency nurse",
                how_prevented="Bisoprolol box checked against the chart",
                immediate_action="Told Pharmacist Okafor", told=("manager",),
                suggestions="Blisterpack for every resident", submitted_at=datetime.now(UTC)))
            if number == 0:
                await reports.update_curation(report, redacted_summary=SUMMARY)
            references.append(report.reference)
    return references


def _listed(page: str) -> list[str]:
    """The references the reports list shows."""
    return re.findall(r'<a href="[^"]*/admin/reports/\d+">(NM-\d{4}-\d+)</a>', page)


@pytest.mark.parametrize("field", sorted(WORKERS_WORDS))
async def test_a_viewer_searching_the_workers_words_finds_nothing(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession],
        field: str) -> None:
    references = await _typed_place_reports(sessionmaker, world)
    path = f"/admin/reports?q={WORKERS_WORDS[field]}"
    viewer_page = (await (await as_role("viewer")).get(path)).text
    assert _listed(viewer_page) == []
    assert "0 reports" in viewer_page
    for role in CURATORS:
        assert sorted(_listed((await (await as_role(role)).get(path)).text)) == sorted(
            references), role


async def test_a_viewer_cannot_spell_out_the_workers_words_after_a_reference(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The reference's words narrow the search to one report; on SQLite's word index a
    curator's search then finds it while the next letters of a worker's word are right."""
    reference = (await _typed_place_reports(sessionmaker, world, count=1))[0]
    viewer = await as_role("viewer")
    number = reference.replace("-", " ")
    assert _listed((await viewer.get(f"/admin/reports?q={number}")).text) == [reference]
    for guess in ("Warf", "Oka", "Pritch", "Biso"):
        assert _listed((await viewer.get(f"/admin/reports?q={number} {guess}")).text) == []


async def test_a_viewer_finds_reports_by_reference_and_redacted_summary(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    references = await _typed_place_reports(sessionmaker, world)
    viewer = await as_role("viewer")
    assert _listed((await viewer.get(f"/admin/reports?q={references[1]}")).text) == [
        references[1]]
    assert _listed((await viewer.get("/admin/reports?q=nearly given ANOTHER")).text) == [
        references[0]]
    page = (await viewer.get("/admin/reports")).text
    assert "Search the reference and the redacted summary" in page
    assert "Search the workers&#39; words" not in page
    reviewer_page = (await (await as_role("reviewer")).get("/admin/reports")).text
    assert "Search the workers&#39; words" in reviewer_page


async def test_a_viewer_cannot_probe_a_typed_place_through_the_place_filter(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    references = await _typed_place_reports(sessionmaker, world)
    viewer = await as_role("viewer")
    for guess in (TYPED_PLACE, TYPED_PLACE.upper()):
        assert _listed((await viewer.get(f"/admin/reports?place={guess}")).text) == []
    known = _listed((await viewer.get("/admin/reports?place=lounge")).text)
    assert len(known) == 1 and known[0] not in references  # the world's report at the Lounge
    for role in CURATORS:
        page = (await (await as_role(role)).get(f"/admin/reports?place={TYPED_PLACE}")).text
        assert sorted(_listed(page)) == sorted(references), role


async def test_a_viewer_sees_other_place_instead_of_a_typed_place(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _typed_place_reports(sessionmaker, world)
    async with sessionmaker() as session:
        report_id = (await ReportRepository(session).list(team_id=world.team_a, limit=1))[0].id
    period = (f"date_from={date.today() - timedelta(days=30)}&date_to={date.today()}"
              f"&team={world.team_a}")
    paths = ["/admin/reports", f"/admin/reports/{report_id}", "/admin/dashboard",
             f"/admin/dashboard?{period}", f"/admin/governance?{period}"]
    viewer = await as_role("viewer")
    for path in paths:
        page = (await viewer.get(path)).text
        assert "Pritchard" not in page, path
        assert "Other place" in page, path
        assert "Lounge" in page or path.endswith(str(report_id)), path  # known places stay
    for role in CURATORS:
        client = await as_role(role)
        for path in paths:
            page = (await client.get(path)).text
            assert TYPED_PLACE in page, (role, path)
            assert "Other place" not in page, (role, path)


async def test_a_viewer_sees_other_place_in_welsh(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _typed_place_reports(sessionmaker, world, count=1)
    page = (await (await as_role("viewer")).get("/admin/reports?lang=cy")).text
    assert "Pritchard" not in page and "Other place" not in page
    assert "Lle arall" in page


async def test_a_viewer_sees_an_alert_at_a_typed_place_as_other_place(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _typed_place_reports(sessionmaker, world)
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    async with sessionmaker.begin() as session:
        for place, first in ((TYPED_PLACE, world.report_b), ("Lounge", world.report_a)):
            session.add(PatternAlert(
                scope="place", team_id=world.team_a, place=place, first_report_id=first,
                report_count=3, first_date=day, last_date=day))
    page = (await (await as_role("viewer")).get("/admin/alerts")).text
    assert "Pritchard" not in page
    assert "Other place" in page and "Lounge" in page
    assert "place=Lounge" in page  # a known place still narrows the linked list
    page = (await (await as_role("reviewer")).get("/admin/alerts")).text
    assert TYPED_PLACE in page and "Other place" not in page
