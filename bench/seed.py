"""Realistic fake near-miss data, inserted fast, for benchmarks and demos.

Expects a database already migrated to head. Never point it at a live database: the
rows are invented and there is no clean-up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import create_engine, create_sessionmaker
from storage.models import Action, Place, Report, Team
from storage.vocab import DEFAULT_CATEGORIES, SEVERITIES, TIERS

BATCH = 5_000
TEAM_NAMES = ("Oak House", "Willow Court", "Birch Lodge", "Cedar View", "Elm Close",
              "Maple Road", "Ash Grove", "Rowan Way", "Hazel Mews", "Larch Place")
PLACE_NAMES = ("Lounge", "Kitchen", "Bathroom", "Bedroom corridor", "Garden", "Medication room",
               "Client's home", "Minibus")
# Medication and falls dominate real near-miss logs; the weights follow DEFAULT_CATEGORIES.
CATEGORY_WEIGHTS = (30, 18, 12, 12, 8, 5, 8, 3, 4)
STATUSES = (("closed", 45), ("actions_agreed", 20), ("in_review", 15), ("new", 15),
            ("not_near_miss", 5))
WHAT = ("Two residents' tablets were nearly swapped on the trolley at the {part} round.",
        "A wet floor by the {place} was not signed; a resident almost slipped.",
        "The handover sheet missed a new allergy; noticed before lunch was served.",
        "A hoist sling of the wrong size was nearly used during personal care.")
HOW = ("Checked the photo on the MAR chart.", "A colleague spotted it and called out.",
       "Double-checked the care plan before acting.")


@dataclass(frozen=True)
class Seeded:
    teams: int
    reports: int
    actions: int
    first_date: date
    last_date: date


async def seed(
    session_or_url: AsyncSession | str, *, reports: int = 100_000, teams: int = 10,
    seed: int = 1, last_date: date | None = None, days: int = 730,
) -> Seeded:
    """Insert teams, places, reports over `days` up to last_date, and actions on ~20 %.

    Given a session, the caller commits; given a URL, this commits and disposes.
    """
    if isinstance(session_or_url, AsyncSession):
        return await _seed(session_or_url, reports, teams, seed, last_date, days)
    engine = create_engine(session_or_url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            return await _seed(session, reports, teams, seed, last_date, days)
    finally:
        await engine.dispose()


async def _seed(session: AsyncSession, reports: int, teams: int, seed: int,
                last_date: date | None, days: int) -> Seeded:
    rng = random.Random(seed)
    last_date = last_date or date.today()
    places = await _teams_and_places(session, teams, seed)
    first_id = (await session.scalar(select(func.max(Report.id)))) or 0
    rows = [_report(rng, first_id + i + 1, seed, places, last_date, days) for i in range(reports)]
    await _insert(session, Report, rows)
    actions = [a for row in rows if rng.random() < 0.2 for a in _actions(rng, row, last_date)]
    await _insert(session, Action, actions)
    return Seeded(teams, reports, len(actions), last_date - timedelta(days=days - 1), last_date)


async def _insert(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    """Core executemany in batches: no ORM objects, so a large seed stays quick."""
    for start in range(0, len(rows), BATCH):
        await session.execute(insert(model.__table__), rows[start:start + BATCH])


async def _teams_and_places(
    session: AsyncSession, teams: int, seed: int
) -> list[tuple[int, int, str]]:
    """Create the teams and their places; return (team_id, place_id, place name) triples."""
    now = datetime.now(UTC)
    places = []
    for t in range(teams):
        name = TEAM_NAMES[t % len(TEAM_NAMES)] + ("" if t < len(TEAM_NAMES) else f" {t}")
        code = f"S{seed % 1000:03d}T{t:04d}"
        team_id = await session.scalar(
            insert(Team).values(name=name, code=code, created_at=now).returning(Team.id))
        for position, place in enumerate(PLACE_NAMES[: 4 + t % 5]):
            place_id = await session.scalar(insert(Place).values(
                team_id=team_id, name=place, position=position, active=True).returning(Place.id))
            places.append((team_id, place_id, place))
    return places


def _report(rng: random.Random, report_id: int, seed: int, places: list[tuple[int, int, str]],
            last_date: date, days: int) -> dict[str, Any]:
    team_id, place_id, place = rng.choice(places)
    occurred = last_date - timedelta(days=int(rng.triangular(0, days, 0)))
    at = time(rng.randrange(24), rng.randrange(0, 60, 5))
    part = ("night", "morning", "afternoon", "evening")[at.hour // 6]
    status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
    reviewed = status not in ("new", "in_review")
    submitted = datetime.combine(occurred, at, UTC) + timedelta(hours=rng.randrange(1, 14))
    return {
        "id": report_id, "reference": f"NM-{occurred.year}-B{report_id:07d}",
        "draft_key": f"bench-{seed}-{report_id}", "confidentiality": "anonymous",
        "team_id": team_id,
        "language": "en", "occurred_date": occurred, "occurred_time": at, "time_of_day": part,
        "place": place, "place_id": place_id,
        "category": rng.choices(DEFAULT_CATEGORIES, CATEGORY_WEIGHTS)[0][0],
        "what_happened": rng.choice(WHAT).format(part=part, place=place.lower()),
        "how_prevented": rng.choice(HOW), "immediate_action": "Told the shift lead.",
        "suggestions": None, "status": status,
        "severity": rng.choice(SEVERITIES) if reviewed else None,
        "tier": rng.choices(TIERS, (70, 25, 5))[0] if reviewed else None,
        "safeguarding_referral": rng.random() < 0.02, "commissioner_notified": rng.random() < 0.01,
        "family_informed": rng.random() < 0.1,
        "redacted_summary": "A near miss was caught before harm; see the review." if reviewed
        else None,
        "submitted_at": submitted, "created_at": submitted, "updated_at": submitted,
    }


def _actions(rng: random.Random, report: dict[str, Any], last_date: date) -> list[dict[str, Any]]:
    """One or two actions; most done, recent ones often open, a few old ones overdue."""
    rows = []
    for _ in range(rng.choice((1, 1, 2))):
        due = report["occurred_date"] + timedelta(days=rng.randrange(7, 60))
        still_open = 30 if due > last_date - timedelta(days=30) else 2
        status = rng.choices(("done", "open", "not_doing"), (88 - still_open, still_open, 12))[0]
        done = status == "done"
        rows.append({
            "report_id": report["id"], "description": "Re-train the team on the checklist.",
            "owner": "Team lead", "due_date": due, "status": status,
            "outcome_evidence": "Spot checks over four weeks found no repeats." if done else None,
            "completed_date": due - timedelta(days=rng.randrange(0, 7)) if done else None,
            "created_at": report["submitted_at"], "updated_at": report["submitted_at"],
        })
    return rows
