"""Reports: stored exactly as submitted, once per draft, with gapless yearly references."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import hot
from storage.models import PatternCheck, ReferenceCounter, Report, ReportTold
from storage.references import format_reference, next_reference
from storage.repositories import ReportRepository, TeamRepository
from storage.schemas import ReportCreate
from tests.storage import builders

SUBMITTED = datetime(2026, 3, 14, 18, 30, 5, tzinfo=timezone(timedelta(hours=2)))


def a_report(team_id: int, **changes: object) -> ReportCreate:
    """The shared builder's report, submitted at a +02:00 time and told to two parties."""
    return builders.a_report(team_id, **{"told": ("nurse", "manager"),
                                         "submitted_at": SUBMITTED, **changes})


@pytest.fixture
async def team_id(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker.begin() as session:
        team = await TeamRepository(session).create(name="Oak House", places=["Lounge"])
    return team.id


def _as_sqlite_stores_it(value: object) -> object:
    """PostgreSQL's typed value in SQLite's text form, so one row reads the same on both."""
    if isinstance(value, datetime):
        assert value.tzinfo is None  # naive UTC in the database, whichever it is
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


async def test_report_create_becomes_exactly_this_row(
    sessionmaker: async_sessionmaker[AsyncSession], team_id: int
) -> None:
    async with sessionmaker.begin() as session:
        place = (await TeamRepository(session).places(team_id=team_id))[0]
        data = a_report(team_id, place_id=place.id)
        await ReportRepository(session).create(data=data)

    async with sessionmaker() as session:
        stored = (await session.execute(text("SELECT * FROM reports"))).mappings().one()
        row = {name: _as_sqlite_stores_it(value) for name, value in stored.items()}
        told = (await session.execute(text("SELECT report_id, party FROM report_told"))).all()
        report = await ReportRepository(session).get(reference="NM-2026-0001")

    assert row == {
        "id": 1,
        "reference": "NM-2026-0001",
        "draft_key": "draft-1",
        "confidentiality": "anonymous",
        "kind": "near_miss",
        "someone_harmed": 0,
        "safeguarding_concern": 0,
        "team_id": team_id,
        "language": "en",
        "occurred_date": "2026-03-14",
        "occurred_time": "14:05:00.000000",
        "time_of_day": "afternoon",
        "place": "Lounge",
        "place_id": place.id,
        "category": "medication",
        "what_happened": data.what_happened,
        "how_prevented": data.how_prevented,
        "immediate_action": data.immediate_action,
        "suggestions": data.suggestions,
        "status": "new",
        "severity": None,
        "tier": None,
        "safeguarding_referral": 0,
        "commissioner_notified": 0,
        "family_informed": 0,
        "review_what": None,
        "review_why": None,
        "review_conditions": None,
        "review_change": None,
        "redacted_summary": None,
        "redacted_prevented": None,
        "submitted_at": "2026-03-14 16:30:05.000000",  # naive UTC
        "external_id": None,
        "closed_at": None,
        "identity_erased_at": None,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }
    assert sorted(told) == [(1, "manager"), (1, "nurse")]
    assert report is not None
    assert report.submitted_at == SUBMITTED
    assert report.submitted_at.tzinfo == UTC
    assert report.created_at.tzinfo == UTC
    assert report.occurred_date == date(2026, 3, 14)
    assert report.occurred_time == time(14, 5)
    assert sorted(report.told_parties) == ["manager", "nurse"]


async def test_optional_answers_may_be_missing(session: AsyncSession, team_id: int) -> None:
    data = a_report(team_id, occurred_time=None, immediate_action=None, suggestions=None, told=())
    report = await ReportRepository(session).create(data=data)
    assert (report.occurred_time, report.immediate_action, report.suggestions) == (None,) * 3
    assert report.told_parties == []


async def test_references_count_up_within_a_year(session: AsyncSession, team_id: int) -> None:
    reports = ReportRepository(session)
    first = await reports.create(data=a_report(team_id, draft_key="a"))
    second = await reports.create(data=a_report(team_id, draft_key="b"))
    next_year = await reports.create(
        data=a_report(team_id, draft_key="c", submitted_at=datetime(2027, 1, 1, tzinfo=UTC))
    )
    assert [first.reference, second.reference, next_year.reference] == [
        "NM-2026-0001",
        "NM-2026-0002",
        "NM-2027-0001",
    ]


async def test_resubmitting_a_draft_returns_the_same_report(
    sessionmaker: async_sessionmaker[AsyncSession], team_id: int
) -> None:
    async with sessionmaker.begin() as session:
        first = await ReportRepository(session).create(data=a_report(team_id))
    async with sessionmaker.begin() as session:
        again = await ReportRepository(session).create(data=a_report(team_id, place="Garden"))
        other = await ReportRepository(session).create(data=a_report(team_id, draft_key="2"))

    assert (again.id, again.reference, again.place) == (first.id, "NM-2026-0001", "Lounge")
    assert other.reference == "NM-2026-0002"
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == 2


async def test_references_are_unique_and_gapless_under_concurrency(
    sessionmaker: async_sessionmaker[AsyncSession], team_id: int
) -> None:
    async def submit(n: int) -> str:
        async with sessionmaker.begin() as session:
            report = await ReportRepository(session).create(
                data=a_report(team_id, draft_key=f"draft-{n}")
            )
            return report.reference

    references = await asyncio.gather(*(submit(n) for n in range(40)))

    assert sorted(references) == [f"NM-2026-{n:04d}" for n in range(1, 41)]
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == 40
        assert await session.scalar(select(ReferenceCounter.last)) == 40


async def test_concurrent_resubmissions_store_one_report(
    sessionmaker: async_sessionmaker[AsyncSession], team_id: int
) -> None:
    async def submit() -> int:
        async with sessionmaker.begin() as session:
            return (await ReportRepository(session).create(data=a_report(team_id))).id

    ids = await asyncio.gather(*(submit() for _ in range(10)))

    assert len(set(ids)) == 1
    async with sessionmaker() as session:
        assert await session.scalar(select(ReferenceCounter.last)) == 1


async def test_a_rolled_back_report_gives_its_reference_back(
    sessionmaker: async_sessionmaker[AsyncSession], team_id: int
) -> None:
    async with sessionmaker() as session:
        await ReportRepository(session).create(data=a_report(team_id))
        await session.rollback()
    async with sessionmaker.begin() as session:
        report = await ReportRepository(session).create(data=a_report(team_id))
    assert report.reference == "NM-2026-0001"


async def test_next_reference_widens_past_9999(session: AsyncSession) -> None:
    session.add(ReferenceCounter(year=2026, last=9999))
    await session.flush()
    async with hot.transaction(session) as db:
        assert await next_reference(db, year=2026) == "NM-2026-10000"
    assert format_reference(year=2026, number=42) == "NM-2026-0042"


async def test_get_forgives_case_and_spaces(session: AsyncSession, team_id: int) -> None:
    reports = ReportRepository(session)
    report = await reports.create(data=a_report(team_id))
    assert await reports.get(reference=" nm-2026-0001 ") is report
    assert await reports.get(reference="NM-2026-0002") is None


async def test_list_is_newest_first_and_filters_by_team(
    session: AsyncSession, team_id: int
) -> None:
    other = await TeamRepository(session).create(name="Elm House")
    reports = ReportRepository(session)
    for n, team in enumerate((team_id, other.id, team_id)):
        when = SUBMITTED + timedelta(hours=n)
        await reports.create(data=a_report(team, draft_key=str(n), submitted_at=when))

    newest = await reports.list()
    ours = await reports.list(team_id=team_id, limit=1)

    assert [r.draft_key for r in newest] == ["2", "1", "0"]
    assert [r.draft_key for r in ours] == ["2"]


async def test_deleting_a_report_deletes_its_told_rows(session: AsyncSession, team_id: int) -> None:
    report = await ReportRepository(session).create(data=a_report(team_id))
    await session.execute(text("DELETE FROM reports WHERE id = :id"), {"id": report.id})
    assert await session.scalar(select(func.count()).select_from(ReportTold)) == 0


def test_report_create_needs_an_aware_submitted_at() -> None:
    with pytest.raises(ValueError, match="aware"):
        a_report(1, submitted_at=datetime(2026, 3, 14, 18, 30))


async def test_imported_history_is_stored_with_its_external_id_and_queued_unannounced(
        sessionmaker: async_sessionmaker[AsyncSession], team_id: int) -> None:
    async with sessionmaker.begin() as session:
        reports = ReportRepository(session)
        filed = await reports.store(data=builders.a_report(team_id, draft_key="filed"))
        imported = await reports.store(data=builders.a_report(
            team_id, draft_key="import:1", external_id="OLD-1"), announce=False)
        assert await reports.stored_external_ids(external_ids=["OLD-1", "OLD-2"]) == {"OLD-1"}
        assert await reports.stored_draft_keys(draft_keys=["filed", "import:2"]) == {"filed"}
    async with sessionmaker() as session:
        queued = dict((await session.execute(
            select(PatternCheck.report_id, PatternCheck.announce))).all())
        external = await session.scalar(select(Report.external_id)
                                        .where(Report.id == imported.id))
    assert queued == {filed.id: True, imported.id: False} and external == "OLD-1"

