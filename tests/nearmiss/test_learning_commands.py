"""`nearmiss learning reindex` and `nearmiss alerts list`: vectors rebuilt when missing or made
by another model, the pass run over history without heads-ups, and every alert printed with
its reports' references and external ids, as text or JSON."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.i18n import Translator
from core.settings import locales_dir
from learning.embedding import model_id
from nearmiss.alert_commands import listing
from nearmiss.learning_commands import reindex
from storage.models import OutboxMessage, PatternCheck, Report, ReportVector
from storage.repositories import GroupRepository, TeamRepository
from storage.repositories.alert_views import AlertViewRepository
from tests.e2e.test_process import _env, _nearmiss
from tests.helpers.hazards import DOOR_CODE, UNRELATED
from tests.storage.builders import store_report


async def _history(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Report]:
    """A linked team's history: one hazard three times, three unrelated reports; no vectors
    yet and nothing queued (as before learning by meaning, or after a model change)."""
    async with sessionmaker.begin() as session:
        team = await TeamRepository(session).create(name="Rosewood", places=["Kitchen"])
        await GroupRepository(session).link(team_id=team.id, chat_id=-7, title="Day shift",
                                            linked_by=1, now=datetime.now(UTC))
        reports = [await store_report(session, team.id, place="Kitchen", category=category,
                                      what_happened=what, how_prevented=how, suggestions=None,
                                      immediate_action=None,
                                      occurred_date=date(2026, 3, 2 + 3 * n))
                   for n, (what, how, category) in enumerate(DOOR_CODE[:3] + UNRELATED)]
        # As the import stores it (a report filed through the bot has none).
        await session.execute(text("UPDATE reports SET external_id = 'XL-0' WHERE id = :id"),
                              {"id": reports[0].id})
        await session.execute(PatternCheck.__table__.delete())
        session.add(ReportVector(report_id=reports[0].id, model="older@0", vector=b"\0" * 1536))
    return reports


async def test_reindex_rebuilds_vectors_and_finds_history_without_heads_ups(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    reports = await _history(sessionmaker)
    progress = io.StringIO()
    done = await reindex(sessionmaker, Translator(locales_dir(), "en"), progress=progress,
                         min_reports=3, window_days=30)
    assert (done.rebuilt, done.checked, done.alerts_before, done.alerts_after) == (6, 6, 0, 1)
    assert "6/6" in progress.getvalue()  # the progress bar
    async with sessionmaker() as session:
        models = set(await session.scalars(select(ReportVector.model)))
        assert models == {model_id()}
        [view] = await AlertViewRepository(session).every(team_ids=None)
        assert [member.report_id for member in view.members] == [r.id for r in reports[:3]]
        assert view.alert.announced_at is None
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    again = await reindex(sessionmaker, Translator(locales_dir(), "en"), progress=progress,
                          min_reports=3, window_days=30)
    assert (again.rebuilt, again.alerts_after) == (0, 1)  # nothing stale, nothing doubled


async def test_alerts_list_as_text_and_json(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    assert await listing(sessionmaker, as_json=False) == (
        "No alerts yet. They are raised when similar near misses repeat.")
    assert json.loads(await listing(sessionmaker, as_json=True)) == []
    reports = await _history(sessionmaker)
    await reindex(sessionmaker, Translator(locales_dir(), "en"), progress=io.StringIO(),
                  min_reports=3, window_days=30)
    text = await listing(sessionmaker, as_json=False)
    first, second, third = (r.reference for r in reports[:3])
    assert text.startswith("Alert 1: place (Rosewood, Kitchen), 2026-03-02 to 2026-03-08, "
                           "3 reports\n")
    assert f"  reports: {first} (XL-0), {second}, {third}" in text
    [row] = json.loads(await listing(sessionmaker, as_json=True))
    assert {key: row[key] for key in ("id", "scope", "team", "place", "hour", "first_date",
                                      "last_date", "count", "title")} == {
        "id": 1, "scope": "place", "team": "Rosewood", "place": "Kitchen", "hour": None,
        "first_date": "2026-03-02", "last_date": "2026-03-08", "count": 3, "title": None}
    assert row["reports"] == [{"reference": first, "external_id": "XL-0"},
                              {"reference": second, "external_id": None},
                              {"reference": third, "external_id": None}]
    assert isinstance(row["label"], str)


async def test_the_commands_from_the_command_line(
        database_url: str, tmp_path: Path,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _history(sessionmaker)
    env = _env(database_url)
    code, out, err = await _nearmiss("learning", "reindex", env=env, cwd=tmp_path)
    assert code == 0, err
    assert out.startswith(f"Rebuilt 6 report vectors with {model_id()} in ")
    assert "the pattern pass checked 6 reports" in out and "alerts: 1 (1 new)" in out
    assert "vectors: 100%" in err and "Traceback" not in err
    code, out, err = await _nearmiss("alerts", "list", "--json", env=env, cwd=tmp_path)
    assert code == 0 and [row["scope"] for row in json.loads(out)] == ["place"]
    code, out, err = await _nearmiss("alerts", "lst", env=env, cwd=tmp_path)
    assert code == 2 and "invalid choice" in err and "Traceback" not in err
