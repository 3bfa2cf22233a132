"""`nearmiss alerts list [--json]`: every pattern alert for the governance pack: its id, scope,
first and last dates, its member reports' references and external ids, and its label.

For the operator (who sees every team): the label is drawn from the members' redacted words.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from storage.db import create_engine, create_sessionmaker
from storage.repositories import PatternRepository, TeamRepository
from storage.repositories.patterns import AlertWithMembers


async def command(settings: Settings, *, as_json: bool) -> int:
    """Print every alert, as text or JSON."""
    from storage.migrate import upgrade_async

    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        print(await listing(create_sessionmaker(engine), as_json=as_json))
    finally:
        await engine.dispose()
    return 0


async def listing(sessionmaker: async_sessionmaker[AsyncSession], *, as_json: bool) -> str:
    """Every alert, newest first, as the command prints it."""
    async with sessionmaker() as session:
        alerts = await PatternRepository(session).list_with_members(team_ids=None)
        teams = {team.id: team.name for team in await TeamRepository(session).list()}
    rows = [as_dict(entry, teams) for entry in alerts]
    if as_json:
        return json.dumps(rows, ensure_ascii=False, indent=2)
    if not rows:
        return "No alerts yet. They are raised when similar near misses repeat."
    return "\n\n".join(as_text(row) for row in rows)


def as_dict(entry: AlertWithMembers, teams: dict[int, str]) -> dict[str, Any]:
    """One alert as plain data."""
    alert = entry.alert
    return {"id": alert.id, "scope": alert.scope,
            "team": teams.get(alert.team_id) if alert.team_id is not None else None,
            "place": alert.place or None, "hour": alert.hour,
            "first_date": alert.first_date.date().isoformat(),
            "last_date": alert.last_date.date().isoformat(),
            "report_count": alert.report_count,
            "reports": [{"reference": reference, "external_id": external_id}
                        for _, reference, external_id in entry.members],
            "label": alert.label, "title": alert.title,
            "announced": alert.announced_at is not None,
            "acknowledged_by": alert.acknowledged_by}


def as_text(row: dict[str, Any]) -> str:
    """One alert as a few readable lines."""
    where = ", ".join(str(part) for part in (
        row["team"], row["place"],
        f"{row['hour']:02d}:00" if row["hour"] is not None else None) if part)
    reports = ", ".join(f"{r['reference']} ({r['external_id']})" if r["external_id"]
                        else r["reference"] for r in row["reports"])
    lines = [f"Alert {row['id']}: {row['scope']}{f' ({where})' if where else ''}, "
             f"{row['first_date']} to {row['last_date']}, {row['report_count']} reports",
             f"  reports: {reports}"]
    if row["label"]:
        lines.append(f"  label: {row['label']}")
    if row["title"]:
        lines.append(f"  title: {row['title']}")
    return "\n".join(lines)
