"""The Privacy page: retention settings, subject access and erasure requests, administrators only;
both requests audited in the privacy log, without the person's id."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings, identity_key
from storage.models import PrivacyEvent, Report, ReportIdentity, RetentionPolicy, RetentionRun
from storage.repositories import ReporterRepository
from tests.admin.conftest import AMARA, World

AMARA_ID = str(AMARA.telegram_user_id)
POSTS = ("/admin/privacy/policy", "/admin/privacy/access", "/admin/privacy/erasure")


async def _events(sessionmaker: async_sessionmaker[AsyncSession]) -> list[PrivacyEvent]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(PrivacyEvent).order_by(PrivacyEvent.id)))


async def _policy(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[int, int, str | None]:
    async with sessionmaker() as session:
        policy = await session.get(RetentionPolicy, 1)
        return policy.identity_days_after_closure, policy.report_years, policy.updated_by


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
async def test_only_administrators_reach_the_privacy_page(as_role, world: World,
                                                          role: str) -> None:
    client = await as_role(role)
    assert (await client.get("/admin/privacy")).status_code == 403
    for path in POSTS:
        response = await client.post(path, {"telegram_user_id": AMARA_ID, "confirm": "yes",
                                             "identity_days_after_closure": "1",
                                             "report_years": "1"})
        assert response.status_code == 403, path
    assert "/admin/privacy" not in (await client.get("/admin/reports")).text


async def test_the_retention_policy_is_saved_with_who_changed_it(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    admin = await as_role("admin")
    page = (await admin.get("/admin/privacy")).text
    assert 'value="90"' in page and 'value="8"' in page

    answer = await admin.post("/admin/privacy/policy", {"identity_days_after_closure": "30",
                                                        "report_years": "10"})

    assert answer.status_code == 303
    assert await _policy(sessionmaker) == (30, 10, "admin@example.org")
    page = (await admin.get("/admin/privacy")).text
    assert "Retention settings saved." in page and "Last changed by admin@example.org" in page


@pytest.mark.parametrize(("days", "years", "message"), [
    ("-1", "8", "from 0 to 3650"), ("3651", "8", "from 0 to 3650"), ("ninety", "8", "days"),
    ("90", "0", "from 1 to 100"), ("90", "101", "from 1 to 100"), ("90", "", "years"),
    ("٩٠", "8", "days")])
async def test_retention_values_out_of_bounds_are_refused_clearly(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession], days: str,
        years: str, message: str) -> None:
    admin = await as_role("admin")
    answer = await admin.post("/admin/privacy/policy", {"identity_days_after_closure": days,
                                                        "report_years": years})
    assert answer.status_code == 303
    assert message in (await admin.get("/admin/privacy")).text
    assert await _policy(sessionmaker) == (90, 8, None)


async def test_a_subject_access_request_downloads_their_data_and_is_logged(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    admin = await as_role("admin")

    answer = await admin.post("/admin/privacy/access", {"telegram_user_id": f" {AMARA_ID} "})

    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="nearmiss-subject-access-{date.today().isoformat()}.json"')
    export = json.loads(answer.text)
    assert export["telegram_user_id"] == AMARA.telegram_user_id
    assert len(export["reports"]) == 2
    assert {item["identity_stored"]["first_name"] for item in export["reports"]} == {"Amara"}
    (event,) = await _events(sessionmaker)
    assert (event.actor, event.action, event.report_count) == ("admin@example.org", "access", 2)
    assert AMARA_ID not in (event.detail or "")
    page = (await admin.get("/admin/privacy")).text
    assert "Subject access" in page and "admin@example.org" in page


async def test_subject_access_includes_membership_found_by_the_key(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession],
        admin_settings: Settings) -> None:
    async with sessionmaker.begin() as session:
        reporters = ReporterRepository(session, identity_key=identity_key(admin_settings))
        member = await reporters.create(telegram_user_id=7_000_000_042, language="cy")
        await reporters.update(member, team_id=world.team_a)
    answer = await (await as_role("admin")).post("/admin/privacy/access",
                                                 {"telegram_user_id": "7000000042"})
    export = json.loads(answer.text)
    assert export["membership"]["team"] == "Rosewood House" and export["reports"] == []


@pytest.mark.parametrize(("path", "number", "message"), [
    ("/admin/privacy/access", "amara", "digits only"),
    ("/admin/privacy/access", "-555", "digits only"),
    ("/admin/privacy/access", "", "digits only"),
    ("/admin/privacy/access", "99999999999999999999999", "digits only"),
    ("/admin/privacy/access", "123", "Nothing is held about Telegram number 123"),
    ("/admin/privacy/erasure", "x1", "digits only"),
    ("/admin/privacy/erasure", "123", "Nothing is held about Telegram number 123"),
])
async def test_bad_or_unknown_numbers_get_a_clear_message(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession], path: str,
        number: str, message: str) -> None:
    admin = await as_role("admin")
    answer = await admin.post(path, {"telegram_user_id": number, "confirm": "yes"})
    assert answer.status_code == 303
    assert message in (await admin.get("/admin/privacy")).text
    assert await _events(sessionmaker) == []


async def test_erasure_needs_the_confirmation_box(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    admin = await as_role("admin")
    answer = await admin.post("/admin/privacy/erasure", {"telegram_user_id": AMARA_ID})
    assert answer.status_code == 303
    assert "Tick the box to confirm" in (await admin.get("/admin/privacy")).text
    async with sessionmaker() as session:
        assert await session.get(ReportIdentity, world.report_a) is not None


async def test_an_erasure_request_de_identifies_their_reports_and_is_logged(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    admin = await as_role("admin")

    answer = await admin.post("/admin/privacy/erasure", {"telegram_user_id": AMARA_ID,
                                                         "confirm": "yes"})

    assert answer.status_code == 200
    async with sessionmaker() as session:
        references = list(await session.scalars(
            select(Report.reference).order_by(Report.submitted_at, Report.id)))
        assert await session.scalar(select(ReportIdentity)) is None
    assert f"Reports de-identified (2): {', '.join(references)}" in answer.text
    (event,) = await _events(sessionmaker)
    assert (event.actor, event.action, event.report_count) == ("admin@example.org", "erasure", 2)
    for secret in (AMARA_ID, "Amara", "amara_k"):
        assert secret not in f"{event.actor} {event.detail}"
        assert secret not in answer.text
    report = (await admin.get(f"/admin/reports/{world.report_a}")).text
    assert "Identity erased on" in report and "Amara" not in report
    again = await admin.post("/admin/privacy/erasure", {"telegram_user_id": AMARA_ID,
                                                        "confirm": "yes"})
    assert "Nothing is held" in (await admin.get("/admin/privacy")).text
    assert again.status_code == 303


async def test_the_page_lists_retention_runs_and_pages_the_log(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker.begin() as session:
        session.add(RetentionRun(run_on=date(2026, 6, 1), identities_erased=3,
                                 reports_deleted=1, detail="identity erased: NM-2026-0001"))
        session.add_all([PrivacyEvent(actor=f"dpo{n}@example.org", action="access",
                                      report_count=0) for n in range(55)])
    admin = await as_role("admin")
    page = (await admin.get("/admin/privacy")).text
    assert "2026-06-01" in page and "identity erased: NM-2026-0001" in page
    assert "Page 1 of 2" in page and "dpo54@example.org" in page
    second = (await admin.get("/admin/privacy?page=2")).text
    assert "dpo0@example.org" in second and "dpo54@example.org" not in second
