"""The audit trail: who changed which field of a report or action, from what, to what."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.audit import (
    AppendOnlyError,
    MissingActorError,
    UnauditedWriteError,
    display,
    install_audit,
)
from storage.models import Action, AuditEntry, Report, ReportFactor
from storage.repositories import ActionRepository, AuditRepository, ReportRepository
from tests.storage.builders import CURATOR

TODAY = date(2026, 3, 20)


def _rows(entries: list[AuditEntry]) -> list[tuple[object, ...]]:
    return [(e.entity, e.field, e.before, e.after) for e in entries]


async def _trail(
    sessionmaker: async_sessionmaker[AsyncSession], report_id: int
) -> list[AuditEntry]:
    async with sessionmaker() as session:
        return await AuditRepository(session).list(report_id=report_id)


async def test_each_changed_curation_field_is_one_entry_with_its_actor(
    sessionmaker: async_sessionmaker[AsyncSession], curator: AsyncSession, report_id: int
) -> None:
    reports = ReportRepository(curator)
    report = await reports.get_by_id(report_id=report_id)
    assert report is not None
    await reports.update_curation(
        report, status="in_review", severity="moderate", safeguarding_referral=True,
        review_why="Look-alike pots", tier=None,  # unchanged: not recorded
    )
    await curator.commit()

    entries = await _trail(sessionmaker, report_id)
    assert _rows(entries) == [
        ("report", "status", "new", "in_review"),
        ("report", "severity", None, "moderate"),
        ("report", "safeguarding_referral", "no", "yes"),
        ("report", "review_why", None, "Look-alike pots"),
    ]
    assert {(e.actor_id, e.actor, e.entity_id) for e in entries} == {(*CURATOR, report_id)}
    assert all(e.at.tzinfo is not None for e in entries)


async def test_setting_a_field_to_its_current_value_records_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], curator: AsyncSession, report_id: int
) -> None:
    report = await ReportRepository(curator).get_by_id(report_id=report_id)
    assert report is not None
    await ReportRepository(curator).update_curation(report, status="new", family_informed=False)
    await curator.commit()
    assert await _trail(sessionmaker, report_id) == []


async def test_factors_are_one_entry_sorted_and_comma_joined(
    sessionmaker: async_sessionmaker[AsyncSession], curator: AsyncSession, report_id: int
) -> None:
    reports = ReportRepository(curator)
    report = await reports.get_by_id(report_id=report_id)
    assert report is not None
    await reports.update_curation(report, factors=["staffing", "communication"])
    await reports.update_curation(report, factors=["training", "staffing"])
    await reports.update_curation(report, factors=[])
    await curator.commit()

    assert _rows(await _trail(sessionmaker, report_id)) == [
        ("report", "factors", None, "communication, staffing"),
        ("report", "factors", "communication, staffing", "staffing, training"),
        ("report", "factors", "staffing, training", None),
    ]


async def test_actions_created_updated_and_deleted_are_audited(
    sessionmaker: async_sessionmaker[AsyncSession], curator: AsyncSession, report_id: int
) -> None:
    actions = ActionRepository(curator)
    action = await actions.create(report_id=report_id, description="Label slots", owner="Sam")
    await actions.update(action, today=TODAY, status="done", due_date=date(2026, 3, 31))
    await curator.delete(action)
    await curator.commit()

    entries = await _trail(sessionmaker, report_id)
    assert _rows(entries) == [
        ("action", "description", None, "Label slots"),
        ("action", "due_date", None, "2026-03-31"),
        ("action", "status", "open", "done"),
        ("action", "completed_date", None, "2026-03-20"),
        ("action", "deleted", "Label slots", None),
    ]
    assert {(e.entity_id, e.actor_id, e.actor) for e in entries} == {(action.id, *CURATOR)}


async def test_a_change_without_an_actor_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession], report_id: int
) -> None:
    async with sessionmaker() as session:
        report = await ReportRepository(session).get_by_id(report_id=report_id)
        assert report is not None
        with pytest.raises(MissingActorError, match="actor"):
            await ReportRepository(session).update_curation(report, status="closed")
    async with sessionmaker() as session:
        with pytest.raises(MissingActorError):
            await ActionRepository(session).create(report_id=report_id, description="x", owner="y")
    async with sessionmaker() as session:
        assert await session.scalar(select(Report.status)) == "new"
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 0


@pytest.mark.parametrize("actor", [None, "ana@example.org", (7, ""), ("7", "ana@example.org")])
async def test_a_malformed_actor_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession], report_id: int, actor: object
) -> None:
    async with sessionmaker() as session:
        session.info["actor"] = actor
        report = await ReportRepository(session).get_by_id(report_id=report_id)
        assert report is not None
        report.review_what = "edited"
        with pytest.raises(MissingActorError):
            await session.flush()


async def test_the_old_value_of_an_expired_report_is_read_from_the_database(
    sessionmaker: async_sessionmaker[AsyncSession], curator: AsyncSession, report_id: int
) -> None:
    report = await ReportRepository(curator).get_by_id(report_id=report_id)
    assert report is not None
    curator.expire(report)
    report.status = "closed"  # set before anything reloads the old value
    await curator.commit()
    assert _rows(await _trail(sessionmaker, report_id)) == [("report", "status", "new", "closed")]


async def test_audit_entries_cannot_be_changed_or_removed_through_the_orm(
    curator: AsyncSession, report_id: int
) -> None:
    report = await ReportRepository(curator).get_by_id(report_id=report_id)
    assert report is not None
    await ReportRepository(curator).update_curation(report, status="closed")
    await curator.commit()
    entry = (await AuditRepository(curator).list(report_id=report_id))[0]

    entry.after = "new"
    with pytest.raises(AppendOnlyError, match="append-only"):
        await curator.flush()
    await curator.rollback()
    entry = (await AuditRepository(curator).list(report_id=report_id))[0]
    await curator.delete(entry)
    with pytest.raises(AppendOnlyError, match="append-only"):
        await curator.flush()


@pytest.mark.parametrize("statement", [update(AuditEntry).values(after="x"), delete(AuditEntry)])
async def test_bulk_statements_cannot_touch_the_audit_log(
    curator: AsyncSession, statement: object
) -> None:
    with pytest.raises(AppendOnlyError, match="append-only"):
        await curator.execute(statement)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "statement",
    [update(Report).values(tier="low"), delete(Action), delete(ReportFactor)],
)
async def test_bulk_statements_cannot_bypass_the_trail(
    curator: AsyncSession, report_id: int, statement: object
) -> None:
    with pytest.raises(UnauditedWriteError, match="bypass the audit trail"):
        await curator.execute(statement)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "sql", ["UPDATE audit_log SET after = 'forged'", "DELETE FROM audit_log"]
)
async def test_the_database_refuses_raw_sql_on_the_audit_log(
    sessionmaker: async_sessionmaker[AsyncSession], curator: AsyncSession, report_id: int, sql: str
) -> None:
    report = await ReportRepository(curator).get_by_id(report_id=report_id)
    assert report is not None
    await ReportRepository(curator).update_curation(report, status="in_review")
    await curator.commit()

    async with sessionmaker() as session:
        with pytest.raises(DBAPIError, match="append-only"):
            await session.execute(text(sql))
    assert _rows(await _trail(sessionmaker, report_id)) == [
        ("report", "status", "new", "in_review")]


async def test_the_bot_stores_reports_without_an_actor(
    sessionmaker: async_sessionmaker[AsyncSession], report_id: int
) -> None:
    assert await _trail(sessionmaker, report_id) == []


def test_values_are_displayed_as_text() -> None:
    assert [display(v) for v in (None, True, False, date(2026, 3, 1), 3, "x")] == [
        None, "yes", "no", "2026-03-01", "3", "x",
    ]


def test_installing_twice_is_harmless() -> None:
    install_audit()
    install_audit()
