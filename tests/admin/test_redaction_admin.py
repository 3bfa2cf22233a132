"""The report page suggests a redaction to those who may read the worker's words, no one else."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repositories import ReportRepository
from storage.schemas import ReportCreate
from tests.admin.conftest import World


def textarea(page: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert match is not None, name
    return match.group(1)


async def test_a_reviewer_sees_the_marks_and_fills_the_redacted_fields_on_request(
        as_role, world: World) -> None:
    reviewer = await as_role("reviewer")
    page = (await reviewer.get(f"/admin/reports/{world.report_a}")).text
    marked = page[page.index('id="redaction-happened"'):]
    assert '<mark class="redact-name" title="Name">Mrs Jones</mark>' in marked
    assert '<mark class="redact-name" title="Name">Mr Smith</mark>&#39;s tablets' in marked
    # Unasked, the form stays empty: saving the status alone must not save an unread guess.
    assert textarea(page, "redacted_summary") == textarea(page, "redacted_prevented") == ""
    assert 'href="?suggest=1#curation"' in page
    page = (await reviewer.get(f"/admin/reports/{world.report_a}?suggest=1")).text
    assert textarea(page, "redacted_summary") == "[name] nearly got [name]&#39;s tablets"
    assert textarea(page, "redacted_prevented") == "Second check at the trolley"
    assert "Mrs Jones nearly got Mr Smith&#39;s tablets" in page  # the words, as given


async def test_a_viewer_sees_neither_the_words_nor_the_marks(as_role, world: World) -> None:
    viewer = await as_role("viewer")
    page = (await viewer.get(f"/admin/reports/{world.report_a}")).text
    assert 'id="redaction"' not in page and "<mark" not in page
    assert "Mrs Jones" not in page and "Mr Smith" not in page and "[name]" not in page


async def test_an_existing_redacted_summary_is_never_overwritten(as_role, world: World) -> None:
    reviewer = await as_role("reviewer")
    await reviewer.post(f"/admin/reports/{world.report_a}/curate", {
        "status": "in_review", "redacted_summary": "A resident nearly had another's tablets.",
        "redacted_prevented": ""})
    page = (await reviewer.get(f"/admin/reports/{world.report_a}?suggest=1")).text
    assert textarea(page, "redacted_summary") == "A resident nearly had another&#39;s tablets."
    assert textarea(page, "redacted_prevented") == "Second check at the trolley"  # still empty
    assert '<mark class="redact-name" title="Name">Mrs Jones</mark>' in page  # marks still shown


async def test_marked_words_are_escaped(as_role, world: World,
                                        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        report = await ReportRepository(session).create(data=ReportCreate(
            confidentiality="anonymous", draft_key="hostile", team_id=world.team_a,
            language="en", occurred_date=date.today(), occurred_time=None, time_of_day="night",
            place="Lounge", place_id=None, category="other",
            what_happened="<b>Priya</b> rang 07700 900123 & left <script>x()</script>",
            how_prevented="<i>", immediate_action=None, told=("nobody",), suggestions=None,
            submitted_at=datetime.now(UTC)))
        await session.commit()
    reviewer = await as_role("reviewer")
    page = (await reviewer.get(f"/admin/reports/{report.id}?suggest=1")).text
    assert "<script>x()" not in page and "<b>Priya" not in page
    assert ('&lt;b&gt;<mark class="redact-name" title="Name">Priya</mark>&lt;/b&gt; rang '
            '<mark class="redact-phone" title="Phone number">07700 900123</mark> &amp; left '
            '&lt;script&gt;x()&lt;/script&gt;') in page
    assert textarea(page, "redacted_summary") == (
        "&lt;b&gt;[name]&lt;/b&gt; rang [phone] &amp; left &lt;script&gt;x()&lt;/script&gt;")
