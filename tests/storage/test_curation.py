"""Curation: reviewers' fields change within their vocabularies; the worker's words never."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Report
from storage.repositories import ReportRepository
from storage.vocab import FACTORS, REPORT_STATUSES, SEVERITIES, TIERS

WORKER_FIELDS = (
    "what_happened",
    "how_prevented",
    "immediate_action",
    "suggestions",
    "place",
    "category",
    "occurred_date",
    "occurred_time",
    "told",
)


async def _report(session: AsyncSession, report_id: int) -> Report:
    report = await ReportRepository(session).get_by_id(report_id=report_id)
    assert report is not None
    return report


async def test_every_curation_field_is_stored(
    sessionmaker: async_sessionmaker[AsyncSession], curator: AsyncSession, report_id: int
) -> None:
    changes = {
        "status": "actions_agreed",
        "severity": "severe",
        "tier": "serious",
        "safeguarding_referral": True,
        "commissioner_notified": True,
        "family_informed": True,
        "review_what": "what",
        "review_why": "why",
        "review_conditions": "conditions",
        "review_change": "change",
        "redacted_summary": "summary",
    }
    report = await _report(curator, report_id)
    await ReportRepository(curator).update_curation(report, **changes, factors={"staffing"})
    await curator.commit()

    async with sessionmaker() as session:
        stored = await _report(session, report_id)
        assert {name: getattr(stored, name) for name in changes} == changes
        assert stored.factor_names == ["staffing"]


async def test_severity_and_tier_can_be_cleared(curator: AsyncSession, report_id: int) -> None:
    reports = ReportRepository(curator)
    report = await _report(curator, report_id)
    await reports.update_curation(report, severity="low", tier="low")
    await reports.update_curation(report, severity=None, tier=None)
    assert (report.severity, report.tier) == (None, None)


@pytest.mark.parametrize("field", WORKER_FIELDS)
async def test_the_workers_own_answers_cannot_be_curated(
    curator: AsyncSession, report_id: int, field: str
) -> None:
    report = await _report(curator, report_id)
    with pytest.raises(TypeError, match=field):
        await ReportRepository(curator).update_curation(report, **{field: "edited"})


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "done"},
        {"status": None},
        {"severity": "huge"},
        {"tier": "critical"},
        {"factors": ["staffing", "luck"], "status": "closed"},
        {"safeguarding_referral": "yes"},
    ],
)
async def test_values_outside_the_vocabularies_are_refused(
    curator: AsyncSession, report_id: int, changes: dict[str, object]
) -> None:
    report = await _report(curator, report_id)
    with pytest.raises(ValueError):
        await ReportRepository(curator).update_curation(report, **changes)  # type: ignore[arg-type]
    assert (report.status, report.severity, report.tier, report.factor_names) == (
        "new", None, None, [],
    )


def test_the_vocabularies() -> None:
    assert REPORT_STATUSES == ("new", "in_review", "actions_agreed", "closed", "not_near_miss")
    assert SEVERITIES == ("none", "low", "moderate", "severe", "catastrophic")
    assert TIERS == ("low", "moderate", "serious")
    assert set(FACTORS) == {
        "communication", "staffing", "training", "environment", "equipment", "documentation",
        "time_pressure", "process",
    }
