"""The governance report: learning shown through redacted summaries, never workers' words."""

from __future__ import annotations

import itertools
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from admin.governance import Governance, build_governance, render_governance
from admin.pdf import CHROMIUM, html_to_pdf
from storage.models import Action, Report
from storage.repositories import TeamRepository
from storage.stats import StatsScope

TODAY = date(2026, 4, 10)
WORKER_WORDS = ("WORKER-WHAT Mrs Jones", "WORKER-HOW", "WORKER-IMMEDIATE", "WORKER-IDEA",
                "REVIEWER-NOTE")
_numbers = itertools.count(1)


async def add_report(session: AsyncSession, team_id: int, day: date, *,
                     summary: str | None = None, **flags: Any) -> int:
    number = next(_numbers)
    values = dict(
        reference=f"NM-2026-{number:04d}", draft_key=f"gov-{number}", team_id=team_id,
        language="en", occurred_date=day, time_of_day="morning", place="Lounge",
        category="medication", status="actions_agreed", what_happened=WORKER_WORDS[0],
        how_prevented=WORKER_WORDS[1], immediate_action=WORKER_WORDS[2],
        suggestions=WORKER_WORDS[3], review_what=WORKER_WORDS[4], redacted_summary=summary,
        submitted_at=datetime.combine(day, datetime.min.time(), UTC), **flags)
    return (await session.execute(insert(Report).values(values).returning(Report.id))).scalar_one()


async def add_action(session: AsyncSession, report_id: int, description: str, status: str, *,
                     created: date, due: date | None = None, completed: date | None = None,
                     evidence: str | None = None) -> None:
    at = datetime.combine(created, datetime.min.time(), UTC).replace(hour=9)
    await session.execute(insert(Action).values(
        report_id=report_id, description=description, owner="Team lead", status=status,
        due_date=due, completed_date=completed, outcome_evidence=evidence,
        created_at=at, updated_at=at))


@pytest.fixture
async def seeded(session: AsyncSession) -> tuple[int, int]:
    """Oak House in March 2026 with two examples of learning; Elm Court with one."""
    teams = TeamRepository(session)
    oak, elm = (await teams.create(name="Oak House")).id, (await teams.create(name="Elm Court")).id
    proven = await add_report(session, oak, date(2026, 3, 3), safeguarding_referral=True,
                              summary="Two people's <b>tablets</b> were nearly swapped & caught.")
    await add_action(session, proven, "Colour-coded trolley slots", "done",
                     created=date(2026, 3, 4), completed=date(2026, 3, 20),
                     evidence="Four weekly audits found no mix-ups.")
    await add_action(session, proven, "Second check at every round", "open",
                     created=date(2026, 3, 4), due=date(2026, 3, 31))  # overdue on TODAY
    unproven = await add_report(session, oak, date(2026, 3, 10), commissioner_notified=True,
                                summary="A wet floor was not signed.")
    await add_action(session, unproven, "Buy more signs", "done", created=date(2026, 3, 11),
                     completed=date(2026, 3, 12))
    no_summary = await add_report(session, oak, date(2026, 3, 12))
    await add_action(session, no_summary, "Hidden action", "done", created=date(2026, 3, 12),
                     completed=date(2026, 3, 13), evidence="Hidden evidence")
    blank = await add_report(session, oak, date(2026, 3, 13), summary="   ")
    await add_action(session, blank, "Blank's action", "done", created=date(2026, 3, 13),
                     completed=date(2026, 3, 14))
    pending = await add_report(session, oak, date(2026, 3, 14), summary="Pending summary")
    await add_action(session, pending, "Not done yet", "open", created=date(2026, 3, 14),
                     due=date(2026, 5, 1))
    await add_report(session, oak, date(2026, 2, 20))  # the previous period
    elm_report = await add_report(session, elm, date(2026, 3, 5), summary="Elm's summary")
    await add_action(session, elm_report, "Elm's action", "done", created=date(2026, 3, 5),
                     completed=date(2026, 3, 6), evidence="Elm's evidence")
    return oak, elm


def oak_in_march(oak: int) -> StatsScope:
    return StatsScope((oak,), date(2026, 3, 1), date(2026, 3, 31))


async def test_gathers_the_period_for_the_team(
    session: AsyncSession, seeded: tuple[int, int]
) -> None:
    oak, _ = seeded

    gov = await build_governance(session, scope=oak_in_march(oak), today=TODAY)

    assert gov.teams == ["Oak House"]
    assert gov.current.total == 5
    assert gov.previous is not None and gov.previous.total == 1
    assert gov.previous.scope.date_from == date(2026, 1, 29)
    assert (gov.flags.safeguarding_referrals, gov.flags.commissioner_notifications) == (1, 1)
    assert gov.completed.total == 4 and gov.agreed.total == 6
    assert [a.description for a in gov.overdue.rows] == ["Second check at every round"]
    assert [(e.summary, e.changes, e.evidence) for e in gov.examples] == [
        ("Two people's <b>tablets</b> were nearly swapped & caught.",
         ["Colour-coded trolley slots"], ["Four weekly audits found no mix-ups."]),
        ("A wet floor was not signed.", ["Buy more signs"], []),
    ]


async def test_page_shows_redacted_summaries_and_never_the_workers_words(
    session: AsyncSession, seeded: tuple[int, int]
) -> None:
    gov = await build_governance(session, scope=oak_in_march(seeded[0]), today=TODAY)

    html = render_governance(gov)

    assert "Two people&#39;s &lt;b&gt;tablets&lt;/b&gt; were nearly swapped &amp; caught." in html
    assert "Colour-coded trolley slots" in html and "Four weekly audits" in html
    for words in WORKER_WORDS:
        assert words not in html
    assert "Elm" not in html  # another team's learning stays out
    assert "<b>tablets" not in html


async def test_page_is_standalone_with_inline_charts(
    session: AsyncSession, seeded: tuple[int, int]
) -> None:
    gov = await build_governance(session, scope=oak_in_march(seeded[0]), today=TODAY)

    html = render_governance(gov)

    assert html.count("<svg") >= 5 and 'role="img"' in html
    assert "@media print" in html and "break-before: page" in html
    assert 'name="viewport"' in html
    without_svg_namespace = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert not re.search(r"https?://|<script|<link|\bsrc=", without_svg_namespace)


async def test_an_empty_period_still_renders(session: AsyncSession) -> None:
    scope = StatsScope((), date(2026, 3, 1), date(2026, 3, 31))

    gov = await build_governance(session, scope=scope, today=TODAY)
    html = render_governance(gov)

    assert gov.examples == [] and gov.current.total == 0
    assert "No reports in this period" in html
    assert "No repeat themes in this period." in html


def chromium_or_skip() -> None:
    if not Path(CHROMIUM).exists() and os.environ.get("CI") != "true":
        pytest.skip("PDF export needs /usr/bin/chromium (required when CI=true)")


async def test_pdf_of_the_report(session: AsyncSession, seeded: tuple[int, int]) -> None:
    chromium_or_skip()
    gov: Governance = await build_governance(session, scope=oak_in_march(seeded[0]), today=TODAY)

    pdf = await html_to_pdf(render_governance(gov))

    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 5_000


async def test_pdf_without_chromium_says_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="PDF export needs Chromium"):
        await html_to_pdf("<p>x</p>", executable=tmp_path / "no-chromium")
