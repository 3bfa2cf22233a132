"""The weekly team digest: what it says, what it never says, and an empty week."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.scheduler import digest_data
from learning.digest import CompletedAction, Count, DigestData, RepeatTheme, compose_digest
from storage.models import PatternAlert, PatternAlertReport
from storage.repositories import (
    ActionRepository,
    DigestRepository,
    ReportRepository,
    TeamRepository,
)
from storage.schemas import ReportCreate

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 3, 23)


def plain(msgid: str, **params: object) -> str:
    return msgid.format(**params) if params else msgid


def week(**fields: object) -> DigestData:
    base: dict[str, object] = {"team": "Rosewood", "start": MONDAY,
                               "end": MONDAY + timedelta(days=7), "reports": 5}
    return DigestData(**(base | fields))  # type: ignore[arg-type]


def test_digest_counts_and_thanks() -> None:
    text = compose_digest(week(categories=[Count("Medication", 3), Count("Falls", 2)],
                               places=[Count("Lounge", 4)]), plain)
    assert text.startswith("<b>Near-miss digest for Rosewood</b>")
    assert "Near misses reported: 5" in text
    assert "Medication: 3" in text and "Falls: 2" in text and "Lounge: 4" in text
    assert "Thank you for reporting" in text


def test_digest_shows_only_top_three() -> None:
    counts = [Count(f"Kind {i}", 10 - i) for i in range(5)]
    text = compose_digest(week(categories=counts), plain)
    assert "Kind 2" in text and "Kind 3" not in text


def test_digest_themes_and_you_said_we_did() -> None:
    text = compose_digest(week(
        themes=[RepeatTheme("Medication", "Lounge", 4)],
        actions=[CompletedAction("Colour-coded pots", "No mix-ups in the re-audit"),
                 CompletedAction("Night checklist", None)]), plain)
    assert "Medication at Lounge: 4 similar reports" in text
    assert "You said, we did" in text
    assert "Colour-coded pots: No mix-ups in the re-audit" in text
    assert "• Night checklist" in text


def test_digest_learning_points_are_the_redacted_summaries() -> None:
    text = compose_digest(week(learning=["A resident nearly had another's tablets",
                                         "A hoist sling was frayed", "A third one"]), plain)
    assert "What we learned" in text
    assert "A resident nearly had another's tablets" in text
    assert "A hoist sling was frayed" in text and "A third one" not in text


def test_empty_period_encourages_reporting() -> None:
    text = compose_digest(week(reports=0), plain)
    assert "No near misses were reported this week" in text
    assert "/report" in text and "Near misses reported" not in text


def test_digest_escapes_html() -> None:
    text = compose_digest(week(team="A&E <Unit>", places=[Count("Bay <2>", 1)],
                               learning=["x < y & z"]), plain)
    assert "<b>Near-miss digest for A&amp;E &lt;Unit&gt;</b>" in text
    assert "Bay &lt;2&gt;" in text and "x &lt; y &amp; z" in text
    assert "<Unit>" not in text


def test_digest_translates_labels_and_headings() -> None:
    welsh = {"Medication": "Meddyginiaeth", "Most common kinds": "Y mathau mwyaf cyffredin"}

    def cy(msgid: str, **params: object) -> str:
        text = welsh.get(msgid, msgid)
        return text.format(**params) if params else text

    text = compose_digest(week(categories=[Count("Medication", 1)], language="cy"), cy)
    assert "Meddyginiaeth: 1" in text and "Y mathau mwyaf cyffredin" in text


async def test_facts_for_gather_the_period_without_worker_words(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    start = datetime(2026, 3, 23, 9, tzinfo=LONDON)
    end = datetime(2026, 3, 30, 9, tzinfo=LONDON)
    async with sessionmaker() as session:
        session.info["actor"] = (None, "test")
        team = await TeamRepository(session).create(name="Rosewood", places=("Lounge",))
        other = await TeamRepository(session).create(name="Oak", places=("Hall",))
        reports = ReportRepository(session)
        members = [(await reports.create(data=_report(team.id, f"r{i}", day))).id
                   for i, day in enumerate((MONDAY, MONDAY + timedelta(days=2),
                                            MONDAY + timedelta(6)))]
        await _alerts(session, team.id, members, other.id)
        await reports.create(data=_report(team.id, "late", MONDAY + timedelta(days=7)))
        await reports.create(data=_report(other.id, "other", MONDAY))
        first = await reports.get_by_id(report_id=1)
        assert first is not None
        await reports.update_curation(first, status="closed",
                                      redacted_summary="A resident nearly had the wrong pot")
        first.updated_at = datetime(2026, 3, 25, 12, tzinfo=UTC)
        action = await ActionRepository(session).create(report_id=first.id,
                                                        description="Colour-coded pots",
                                                        owner="Lead")
        await ActionRepository(session).update(action, today=MONDAY, status="done",
                                               outcome_evidence="Re-audit clean",
                                               completed_date=MONDAY + timedelta(days=3))
        await session.flush()
        facts = await DigestRepository(session).facts_for(team=team, start=start, end=end,
                                                          today=MONDAY + timedelta(7))
    data = digest_data(facts)
    assert (data.team, data.start, data.end, data.reports) == ("Rosewood", MONDAY,
                                                               MONDAY + timedelta(7), 3)
    assert data.categories == [Count("Medication", 3)]
    assert data.places == [Count("Lounge", 3)]
    # The team's own alerts that grew this week: named by category, or by a reviewer's title;
    # never by their label (the workers' words), nor another team's or a past week's alert.
    # Largest first, then the latest, then the newest alert.
    assert data.themes == [RepeatTheme("Medication errors", "Rosewood", 3),
                           RepeatTheme("Medication", "Lounge", 3)]
    assert data.actions == [CompletedAction("Colour-coded pots", "Re-audit clean")]
    assert data.learning == ["A resident nearly had the wrong pot"]
    text = compose_digest(data, plain)
    assert "Mrs Jones" not in text and "trolley" not in text and "tablets" not in text


async def _alerts(session: AsyncSession, team_id: int, members: list[int], other_id: int) -> None:
    """A place alert and a titled team alert that grew this week, one that stopped growing
    before it, and another team's."""
    week_days = (datetime(2026, 3, 23, tzinfo=UTC), datetime(2026, 3, 29, tzinfo=UTC))
    before = (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 20, tzinfo=UTC))
    for scope, team, (first, last), title, number in (
            ("place", team_id, week_days, None, 1), ("team", team_id, week_days,
                                                     "Medication errors", 2),
            ("team", team_id, before, None, 3), ("place", other_id, week_days, None, 4)):
        alert = PatternAlert(scope=scope, team_id=team, place="Lounge" if scope == "place"
                             else "", first_report_id=members[0] * 100 + number,
                             report_count=3, first_date=first, last_date=last,
                             label="jones, tablets", title=title)
        session.add(alert)
        await session.flush()
        session.add_all(PatternAlertReport(alert_id=alert.id, report_id=report_id)
                        for report_id in members)


def _report(team_id: int, key: str, day: date) -> ReportCreate:
    return ReportCreate(
        confidentiality="anonymous",
        draft_key=key, team_id=team_id, language="en", occurred_date=day,
        occurred_time=None, time_of_day="morning", place="Lounge", place_id=None,
        category="medication", what_happened="Mrs Jones nearly got the wrong tablets",
        how_prevented="Second check at the trolley", immediate_action=None, told=(),
        suggestions=None, submitted_at=datetime(2026, 3, 23, 12, tzinfo=UTC))
