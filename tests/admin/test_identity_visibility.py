"""Who reported, by confidentiality and role: the right people see the right identity, and the
identity row is not even read for those who may not see it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.models import Report
from storage.repositories import PrivacyRepository, ReportRepository
from storage.schemas import ReportCreate, ReporterIdentity
from tests.admin.conftest import World

CLEO = ReporterIdentity(7_000_000_777, "Cleo", "cleo_r")
ERASED_ON = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
NAME = "Cleo (@cleo_r)"

# (confidentiality, what the Reported-by line says to admin, to reviewer); viewers see none.
CASES = [
    ("named", NAME, NAME),
    ("confidential", NAME, "Confidential"),
    ("anonymous", "Anonymous (no identity is stored)", "Anonymous (no identity is stored)"),
]


async def _report(sessionmaker: async_sessionmaker[AsyncSession], world: World,
                  confidentiality: str, *, kind: str = "near_miss") -> Report:
    async with sessionmaker.begin() as session:
        return await ReportRepository(session).create(data=ReportCreate(
            draft_key=f"visibility-{confidentiality}-{kind}", team_id=world.team_a,
            language="en", occurred_date=date.today(), occurred_time=None,
            time_of_day="evening", place="Lounge", place_id=None, category="falls",
            what_happened="Wet floor by the door", how_prevented="Mopped and signed",
            immediate_action=None, told=(), suggestions=None, submitted_at=datetime.now(UTC),
            confidentiality=confidentiality, kind=kind, someone_harmed=kind == "incident",
            identity=None if confidentiality == "anonymous" else CLEO))


def _reported_by(page: str) -> str | None:
    match = re.search(r'<dd class="col-sm-8" id="reporter">(.*?)</dd>', page, re.DOTALL)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else None


@pytest.mark.parametrize(("confidentiality", "for_admin", "for_reviewer"), CASES)
async def test_each_role_sees_the_identity_its_confidentiality_allows(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession],
        confidentiality: str, for_admin: str, for_reviewer: str) -> None:
    report = await _report(sessionmaker, world, confidentiality)
    path = f"/admin/reports/{report.id}"
    pages = {role: (await (await as_role(role)).get(path)).text
             for role in ("admin", "reviewer", "viewer")}

    assert _reported_by(pages["admin"]).startswith(for_admin)
    assert _reported_by(pages["reviewer"]) == for_reviewer
    assert _reported_by(pages["viewer"]) is None
    for role, page in pages.items():
        shown = (role == "admin" and confidentiality != "anonymous"
                 or role == "reviewer" and confidentiality == "named")
        assert ("Cleo" in page) is shown, role
        assert ("cleo_r" in page) is shown, role
        assert "7000000777" not in page, role
        assert f'id="confidentiality">{confidentiality.capitalize()}<' in page


async def test_an_admin_is_told_that_a_confidential_identity_is_theirs_alone(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    report = await _report(sessionmaker, world, "confidential")
    page = (await (await as_role("admin")).get(f"/admin/reports/{report.id}")).text
    assert "only administrators see this" in page


async def test_an_erased_identity_shows_when_it_was_erased(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    report = await _report(sessionmaker, world, "confidential")
    async with sessionmaker.begin() as session:
        session.info["actor"] = (None, "test-setup")
        await PrivacyRepository(session).erase(telegram_user_id=CLEO.telegram_user_id,
                                               reporter_key=None, actor="dpo", now=ERASED_ON)
    for role in ("admin", "reviewer"):
        page = (await (await as_role(role)).get(f"/admin/reports/{report.id}")).text
        assert _reported_by(page) == "Identity erased on 2026-05-04"
        assert "Cleo" not in page


@pytest.mark.parametrize(("role", "confidentiality", "read"), [
    ("reviewer", "confidential", False), ("viewer", "named", False),
    ("reviewer", "named", True), ("admin", "confidential", True),
    ("admin", "anonymous", False)])
async def test_the_identity_row_is_read_only_for_those_allowed(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession],
        engine: AsyncEngine, role: str, confidentiality: str, read: bool) -> None:
    report = await _report(sessionmaker, world, confidentiality)
    client = await as_role(role)
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        assert (await client.get(f"/admin/reports/{report.id}")).status_code == 200
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert any("report_identities" in s for s in statements) is read


async def test_the_list_shows_confidentiality_and_incidents_never_the_identity(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    incident = await _report(sessionmaker, world, "confidential", kind="incident")
    for role in ("admin", "reviewer", "viewer"):
        listing = (await (await as_role(role)).get("/admin/reports")).text
        row = listing[listing.index(incident.reference):]
        row = row[:row.index("</tr>")]
        assert 'class="badge kind-incident">Incident<' in row
        assert "<td>Confidential</td>" in row
        assert "Cleo" not in listing and "cleo_r" not in listing


async def test_the_csv_has_kind_and_confidentiality_and_no_identity(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _report(sessionmaker, world, "confidential", kind="incident")
    text = (await (await as_role("admin")).get("/admin/reports.csv")).text
    header, *rows = text.lstrip("\ufeff").splitlines()
    assert header.endswith("Actions,Kind,Confidentiality")
    assert any(row.endswith(",incident,confidential") for row in rows)
    assert "Cleo" not in text and "cleo_r" not in text and "7000000777" not in text
