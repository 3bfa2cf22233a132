"""Curating a report never touches the worker's words, and every change is in the audit log."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repositories import ReportRepository
from storage.schemas import ReportCreate
from tests.admin.conftest import World


async def test_curation_is_saved_and_audited(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    reviewer = await as_role("reviewer")
    response = await reviewer.post(f"/admin/reports/{world.report_a}/curate", [
        ("status", "actions_agreed"), ("severity", "severe"), ("tier", "moderate"),
        ("safeguarding_referral", "on"), ("factors", "communication"), ("factors", "staffing"),
        ("review_why", "Two residents with similar names on one round"),
        ("redacted_summary", "A resident was nearly given another resident's tablets."),
        # A forged field for the worker's own words must be ignored.
        ("what_happened", "rewritten by a reviewer"),
    ])
    assert response.status_code == 303
    page = (await reviewer.get(f"/admin/reports/{world.report_a}")).text
    assert "Curation saved." in page
    assert "Mrs Jones nearly got Mr Smith&#39;s tablets" in page
    audit = page[page.index('id="audit"'):]
    for expected in ("reviewer@example.org", "status", "new", "actions_agreed", "severity",
                     "severe", "factors", "communication, staffing", "safeguarding_referral"):
        assert expected in audit
    async with sessionmaker() as session:
        report = await ReportRepository(session).get_by_id(report_id=world.report_a)
    assert report is not None
    assert report.what_happened == "Mrs Jones nearly got Mr Smith's tablets"
    assert (report.status, report.severity, report.tier) == ("actions_agreed", "severe",
                                                              "moderate")
    assert report.factor_names == ["communication", "staffing"]
    assert report.safeguarding_referral and not report.family_informed


async def test_bad_vocabulary_is_refused_with_a_message(as_role, world: World) -> None:
    admin = await as_role("admin")
    response = await admin.post(f"/admin/reports/{world.report_a}/curate",
                                {"status": "deleted"})
    assert response.status_code == 303
    page = (await admin.get(f"/admin/reports/{world.report_a}")).text
    assert "Choose a status from the list." in page


async def test_actions_are_added_completed_and_audited(as_role, world: World) -> None:
    reviewer = await as_role("reviewer")
    page = (await reviewer.get(f"/admin/reports/{world.report_a}")).text
    assert "Overdue" in page  # the fixture's action was due yesterday
    await reviewer.post(f"/admin/reports/{world.report_a}/actions", {
        "description": "Add photos to the MAR charts", "owner": "Deputy manager",
        "due_date": date.today().isoformat()})
    await reviewer.post(f"/admin/actions/{world.action_a}", {
        "status": "done", "outcome_evidence": "Re-audit in March: 20/20 charts with photos"})
    page = (await reviewer.get(f"/admin/reports/{world.report_a}")).text
    assert "Add photos to the MAR charts" in page
    assert "Re-audit in March: 20/20 charts with photos" in page
    audit = page[page.index('id="audit"'):]
    assert "action: status" in audit and "open" in audit and "done" in audit
    assert "action: description" in audit  # the new action's creation


async def test_csv_export_neutralises_formulas(as_role, world: World,
                                               sessionmaker: async_sessionmaker[
                                                   AsyncSession]) -> None:
    hostile = ["=HYPERLINK(\"http://evil\",\"click\")", "+SUM(A1)", "-2+3", "@cmd",
               "\tTAB", "line one\nline two, \"quoted\""]
    async with sessionmaker() as session:
        for index, text in enumerate(hostile):
            await ReportRepository(session).create(data=ReportCreate(
                confidentiality="anonymous", draft_key=f"hostile-{index}", team_id=world.team_a,
                language="en", occurred_date=date.today(), occurred_time=None,
                time_of_day="night", place="=Lounge", place_id=None, category="other",
                what_happened=text, how_prevented="@prevented", immediate_action=None,
                told=("nobody",), suggestions=None, submitted_at=datetime.now(UTC)))
        await session.commit()
    admin = await as_role("admin")
    response = await admin.get(f"/admin/reports.csv?team={world.team_a}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells)
    assert "'=HYPERLINK(\"http://evil\",\"click\")" in cells
    assert "line one\nline two, \"quoted\"" in cells
    assert "Amara" not in response.text  # no reporter identity in exports


async def test_the_governance_report_prints_as_html_and_pdf(as_role, world: World) -> None:
    from tests.helpers.web import need_chromium

    reviewer = await as_role("reviewer")
    await reviewer.post(f"/admin/reports/{world.report_a}/curate", {
        "status": "closed",
        "redacted_summary": "A resident was nearly given another resident's tablets."})
    await reviewer.post(f"/admin/actions/{world.action_a}", {
        "status": "done", "outcome_evidence": "Re-audit: 20 of 20 charts have photos"})
    period = "date_from=2020-01-01&date_to=2030-12-31"
    page = (await reviewer.get(f"/admin/governance?{period}")).text
    assert "A resident was nearly given another resident&#39;s tablets." in page
    assert "Re-audit: 20 of 20 charts have photos" in page
    assert "Mrs Jones" not in page and "Hoist sling" not in page  # no words, no other team
    need_chromium()
    pdf = await reviewer.get(f"/admin/governance?{period}&format=pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


async def test_closing_in_the_admin_starts_the_clock_on_the_identity(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    reviewer = await as_role("reviewer")
    path = f"/admin/reports/{world.report_a}/curate"
    before = datetime.now(UTC)
    await reviewer.post(path, {"status": "closed"})
    async with sessionmaker() as session:
        report = await ReportRepository(session).get_by_id(report_id=world.report_a)
    assert report is not None and report.closed_at is not None and report.closed_at >= before
    page = (await reviewer.get(f"/admin/reports/{world.report_a}")).text
    assert "closed_at" in page[page.index('id="audit"'):]
    await reviewer.post(path, {"status": "in_review"})
    async with sessionmaker() as session:
        report = await ReportRepository(session).get_by_id(report_id=world.report_a)
    assert report is not None and report.closed_at is None
