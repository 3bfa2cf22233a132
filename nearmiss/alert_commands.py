"""`nearmiss alerts list [--json]`: every pattern alert for the governance pack: its id, scope,
first and last dates, its member reports' references and external ids, and its label: the
rows of the admin's Alerts CSV, for the operator (who sees every team).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.exports import alert_record
from core.settings import Settings
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade_async
from storage.repositories import TeamRepository
from storage.repositories.alert_views import AlertViewRepository


async def command(settings: Settings, *, as_json: bool) -> int:
    """Print every alert, as text or JSON."""
    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        print(await listing(create_sessionmaker(engine), as_json=as_json))
    finally:
        await engine.dispose()
    return 0


async def listing(sessionmaker: async_sessionmaker[AsyncSession], *, as_json: bool) -> str:
    """Every alert, latest first, as the command prints it."""
    async with sessionmaker() as session:
        views = await AlertViewRepository(session).every(team_ids=None)
        teams = {team.id: team.name for team in await TeamRepository(session).list()}
    rows = [alert_record(view, team_names=teams) for view in views]
    if as_json:
        return json.dumps(rows, ensure_ascii=False, indent=2)
    if not rows:
        return "No alerts yet. They are raised when similar near misses repeat."
    return "\n\n".join(as_text(row) for row in rows)


def as_text(row: dict[str, Any]) -> str:
    """One alert as a few readable lines."""
    where = ", ".join(str(part) for part in (
        row["team"], row["place"],
        f"{row['hour']:02d}:00" if row["hour"] is not None else None) if part)
    reports = ", ".join(f"{r['reference']} ({r['external_id']})" if r["external_id"]
                        else r["reference"] for r in row["reports"])
    lines = [f"Alert {row['id']}: {row['scope']}{f' ({where})' if where else ''}, "
             f"{row['first_date']} to {row['last_date']}, {row['count']} reports",
             f"  reports: {reports}"]
    if row["label"]:
        lines.append(f"  label: {row['label']}")
    if row["title"]:
        lines.append(f"  title: {row['title']}")
    return "\n".join(lines)
