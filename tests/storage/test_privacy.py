"""Data rights and retention: subject access, erasure, and the daily job with the time injected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import (
    Action,
    AuditEntry,
    FsmRecord,
    OutboxMessage,
    PrivacyEvent,
    Report,
    ReportIdentity,
    RetentionRun,
)
from storage.repositories import (
    ActionRepository,
    OutboxRepository,
    PrivacyRepository,
    ReporterRepository,
    ReportRepository,
    TeamRepository,
)
from storage.schemas import ReporterIdentity
from tests.storage.builders import CURATOR, store_report

KEY = b"k" * 32
AMARA = ReporterIdentity(7_000_000_001, "Amara", "amara_k")
BEN = ReporterIdentity(7_000_000_002, "Ben", "ben_w")
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
TEAM = "Oak House"


async def _team(session: AsyncSession) -> int:
    return (await TeamRepository(session).create(name=TEAM, places=["Lounge"])).id


async def _named(session: AsyncSession, team_id: int, who: ReporterIdentity = AMARA, *,
                 confidentiality: str = "named", **changes: object) -> Report:
    return await store_report(session, team_id, confidentiality=confidentiality, identity=who,
                              **changes)


async def _log(session: AsyncSession) -> list[PrivacyEvent]:
    return list(await session.scalars(select(PrivacyEvent).order_by(PrivacyEvent.id)))


async def _count(session: AsyncSession, model: type, *where: object) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# --- subject access ---------------------------------------------------------------------


async def test_export_holds_named_and_confidential_reports_but_never_anonymous_ones(
        session: AsyncSession) -> None:
    session.info["actor"] = CURATOR
    team_id = await _team(session)
    reporters = ReporterRepository(session, identity_key=KEY)
    reporter = await reporters.update(await reporters.create(
        telegram_user_id=AMARA.telegram_user_id, language="cy"), team_id=team_id)
    named = await _named(session, team_id)
    confidential = await _named(session, team_id, confidentiality="confidential")
    await store_report(session, team_id)  # anonymous: nothing links it to anyone
    await _named(session, team_id, BEN)
    await ActionRepository(session).create(report_id=named.id, description="Label the slots",
                                           owner="Deputy")

    export = await PrivacyRepository(session).export(
        telegram_user_id=AMARA.telegram_user_id, reporter=reporter, actor="dpo@example.org",
        now=NOW)

    assert [item["reference"] for item in export["reports"]] == [named.reference,
                                                                 confidential.reference]
    assert [item["confidentiality"] for item in export["reports"]] == ["named", "confidential"]
    assert export["reports"][0]["identity_stored"] == {
        "telegram_user_id": AMARA.telegram_user_id, "first_name": "Amara",
        "username": "amara_k"}
    assert export["reports"][0]["actions"][0]["description"] == "Label the slots"
    assert export["membership"]["team"] == TEAM and export["membership"]["language"] == "cy"
    assert "Anonymous reports" in export["not_included"]
    (event,) = await _log(session)
    assert (event.actor, event.action, event.report_count) == ("dpo@example.org", "access", 2)
    assert event.detail == f"{named.reference}, {confidential.reference}"


# --- erasure ----------------------------------------------------------------------------


async def test_erase_removes_identity_membership_conversation_and_private_messages(
        session: AsyncSession) -> None:
    session.info["actor"] = CURATOR
    team_id = await _team(session)
    reporters = ReporterRepository(session, identity_key=KEY)
    await reporters.create(telegram_user_id=AMARA.telegram_user_id)
    await reporters.create(telegram_user_id=BEN.telegram_user_id)
    mine = await _named(session, team_id)
    bens = await _named(session, team_id, BEN)
    amara, ben = AMARA.telegram_user_id, BEN.telegram_user_id
    session.add_all([FsmRecord(key=f"fsm:{amara}:{amara}:default", state="Report:answering"),
                     FsmRecord(key=f"fsm:{ben}:{ben}:default", state="Report:answering")])
    outbox = OutboxRepository(session)
    await outbox.enqueue(batch=f"feedback:{mine.id}:agreed", kind="feedback",
                         messages=[(amara, False, "You said, we did")])
    await outbox.enqueue(batch=f"feedback:{bens.id}:agreed", kind="feedback",
                         messages=[(ben, False, "You said, we did")])
    await outbox.enqueue(batch="bulletin:1", kind="bulletin", messages=[(-100, True, "Flash")])
    # Amara is also an on-call contact: the record of who was alerted is not hers to erase.
    await outbox.enqueue(batch="escalation:1", kind="escalation",
                         messages=[(amara, False, "Someone was harmed")])

    references = await PrivacyRepository(session).erase(
        telegram_user_id=amara, reporter_key=reporters.key_for(amara), actor="dpo@example.org",
        now=NOW)

    assert references == [mine.reference]
    assert await session.get(ReportIdentity, mine.id) is None
    assert await session.get(ReportIdentity, bens.id) is not None
    assert mine.identity_erased_at == NOW and bens.identity_erased_at is None
    assert await ReportRepository(session).get_by_id(report_id=mine.id) is mine  # report stays
    assert await reporters.get_by_telegram_id(telegram_user_id=amara) is None
    assert await reporters.get_by_telegram_id(telegram_user_id=ben) is not None
    keys = set(await session.scalars(select(FsmRecord.key)))
    assert keys == {f"fsm:{ben}:{ben}:default"}
    rows = set((await session.execute(select(OutboxMessage.kind, OutboxMessage.chat_id))).all())
    assert rows == {("feedback", ben), ("bulletin", -100), ("escalation", amara)}
    (event,) = await _log(session)
    assert (event.actor, event.action, event.report_count) == ("dpo@example.org", "erasure", 1)
    assert event.detail == mine.reference
    for secret in (str(amara), "Amara", "amara_k"):
        assert secret not in f"{event.actor} {event.detail}"


# --- closing starts the clock -----------------------------------------------------------


async def test_closing_a_report_stamps_closed_at_and_reopening_clears_it(
        session: AsyncSession) -> None:
    session.info["actor"] = CURATOR
    report = await _named(session, await _team(session))
    reports = ReportRepository(session)

    await reports.update_curation(report, status="in_review", now=NOW)
    assert report.closed_at is None
    await reports.update_curation(report, status="closed", now=NOW)
    assert report.closed_at == NOW
    await reports.update_curation(report, status="closed", now=NOW + timedelta(days=3))
    assert report.closed_at == NOW  # saving again does not restart the clock
    await reports.update_curation(report, redacted_summary="Pots nearly swapped.")
    assert report.closed_at == NOW
    await reports.update_curation(report, status="in_review", now=NOW)
    assert report.closed_at is None
    await session.flush()
    trail = await session.scalars(select(AuditEntry.after).where(AuditEntry.field == "closed_at")
                                  .order_by(AuditEntry.id))
    assert list(trail) == [NOW.isoformat(), None]  # audited like the reviewer's other fields


async def test_not_a_near_miss_also_finishes_a_report(session: AsyncSession) -> None:
    session.info["actor"] = CURATOR
    report = await _named(session, await _team(session))
    reports = ReportRepository(session)

    await reports.update_curation(report, status="not_near_miss", now=NOW)
    assert report.closed_at == NOW
    await reports.update_curation(report, status="closed", now=NOW + timedelta(days=1))
    assert report.closed_at == NOW  # finished either way: the clock keeps running


# --- the retention job ------------------------------------------------------------------


def _years_ago(years: int, days: int) -> datetime:
    return NOW.replace(year=NOW.year - years) + timedelta(days=days)


async def _closed(session: AsyncSession, team_id: int, *, days_ago: int | None) -> Report:
    report = await _named(session, team_id)
    if days_ago is not None:
        report.status, report.closed_at = "closed", NOW - timedelta(days=days_ago)
    await session.flush()
    return report


async def test_retention_erases_identities_past_the_period_and_deletes_old_reports(
        session: AsyncSession) -> None:
    session.info["actor"] = CURATOR
    team_id = await _team(session)
    past = await _closed(session, team_id, days_ago=91)
    recent = await _closed(session, team_id, days_ago=89)
    still_open = await _closed(session, team_id, days_ago=None)
    too_old = await _named(session, team_id, submitted_at=_years_ago(8, -1))
    just_kept = await _named(session, team_id, submitted_at=_years_ago(8, 1))
    await ActionRepository(session).create(report_id=too_old.id, description="Old action",
                                           owner="Lead")
    await OutboxRepository(session).enqueue(
        batch=f"feedback:{past.id}:agreed", kind="feedback",
        messages=[(AMARA.telegram_user_id, False, "You said, we did")])
    await session.execute(text("UPDATE outbox SET status = 'sent'"))
    await session.commit()
    session.info.pop("actor")  # the job acts as itself

    outcome = await PrivacyRepository(session).apply_retention(now=NOW)
    await session.commit()

    assert outcome is not None
    assert outcome.identities_erased == (past.reference,)
    assert outcome.reports_deleted == (too_old.reference,)
    identities = set(await session.scalars(select(ReportIdentity.report_id)))
    assert identities == {recent.id, still_open.id, just_kept.id}
    assert past.identity_erased_at == NOW
    assert await session.get(Report, too_old.id) is None
    assert await _count(session, Action, Action.report_id == too_old.id) == 0
    assert await session.get(Report, just_kept.id) is not None
    # The sent feedback row held the reporter's chat id beside the report's id: gone too.
    assert await _count(session, OutboxMessage) == 0
    run = await session.scalar(select(RetentionRun))
    assert (run.run_on, run.identities_erased, run.reports_deleted) == (NOW.date(), 1, 1)
    assert past.reference in run.detail and too_old.reference in run.detail
    (event,) = await _log(session)
    assert (event.actor, event.action, event.report_count) == ("retention", "retention", 2)


async def test_retention_runs_once_per_date(session: AsyncSession) -> None:
    session.info["actor"] = CURATOR
    team_id = await _team(session)
    await _closed(session, team_id, days_ago=95)
    privacy = PrivacyRepository(session)

    assert await privacy.apply_retention(now=NOW) is not None
    later = await _closed(session, team_id, days_ago=95)
    assert await privacy.apply_retention(now=NOW + timedelta(hours=11)) is None
    assert await session.get(ReportIdentity, later.id) is not None
    tomorrow = await privacy.apply_retention(now=NOW + timedelta(days=1))
    assert tomorrow is not None and tomorrow.identities_erased == (later.reference,)
    assert await _count(session, RetentionRun) == 2


async def test_retention_honours_the_policy_when_it_changes(session: AsyncSession) -> None:
    session.info["actor"] = CURATOR
    team_id = await _team(session)
    closed_31 = await _closed(session, team_id, days_ago=31)
    closed_29 = await _closed(session, team_id, days_ago=29)
    old = await _named(session, team_id, submitted_at=_years_ago(2, -1))
    kept = await _named(session, team_id, submitted_at=_years_ago(2, 1))
    privacy = PrivacyRepository(session)

    policy = await privacy.update_policy(identity_days_after_closure=30, report_years=2,
                                         updated_by="dpo@example.org")
    outcome = await privacy.apply_retention(now=NOW)

    assert policy.updated_by == "dpo@example.org"
    assert outcome is not None
    assert outcome.identities_erased == (closed_31.reference,)
    assert outcome.reports_deleted == (old.reference,)
    assert await session.get(ReportIdentity, closed_29.id) is not None
    assert await session.get(Report, kept.id) is not None


async def test_retention_erases_more_reports_than_sqlite_can_or_together(
        session: AsyncSession) -> None:
    """Regression: 1,001 feedback LIKEs in one OR passed SQLite's expression depth (1,000)."""
    session.info["actor"] = CURATOR
    team_id = await _team(session)
    template = await _closed(session, team_id, days_ago=200)
    columns = {c.key: getattr(template, c.key) for c in Report.__table__.columns
               if c.key not in ("id", "reference", "draft_key")}
    rows = [{**columns, "reference": f"NM-2020-{n:05d}", "draft_key": f"bulk-{n}"}
            for n in range(1200)]
    ids = list(await session.scalars(insert(Report).returning(Report.id), rows))
    await session.execute(insert(ReportIdentity), [
        {"report_id": i, "telegram_user_id": 1, "created_at": NOW} for i in ids])

    outcome = await PrivacyRepository(session).apply_retention(now=NOW)

    assert outcome is not None and len(outcome.identities_erased) == 1201
    assert await _count(session, ReportIdentity) == 0


async def test_the_privacy_log_refuses_update_and_delete_in_the_database(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker.begin() as session:
        session.add(PrivacyEvent(actor="dpo@example.org", action="access", report_count=0))
    for statement in ("UPDATE privacy_log SET actor = 'someone else'", "DELETE FROM privacy_log"):
        async with sessionmaker() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(text(statement))
    async with sessionmaker() as session:
        assert await session.scalar(select(PrivacyEvent.actor)) == "dpo@example.org"

