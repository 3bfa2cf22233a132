"""Reporters: found by Telegram id, updated field by field."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories import ReporterRepository, TeamRepository


async def test_create_and_get_a_reporter(session: AsyncSession) -> None:
    reporters = ReporterRepository(session)
    created = await reporters.create(telegram_user_id=7_000_000_001, first_name="Ana")

    found = await reporters.get_by_telegram_id(telegram_user_id=7_000_000_001)

    assert found is created
    assert await reporters.get(reporter_id=created.id) is created
    assert await reporters.get_by_telegram_id(telegram_user_id=1) is None
    assert (created.first_name, created.username, created.language, created.team_id) == (
        "Ana",
        None,
        None,
        None,
    )
    assert created.created_at.tzinfo is not None


async def test_update_changes_only_the_fields_given(session: AsyncSession) -> None:
    team = await TeamRepository(session).create(name="Oak House")
    reporters = ReporterRepository(session)
    reporter = await reporters.create(telegram_user_id=42, language="uk", username="ana")

    await reporters.update(reporter, team_id=team.id)
    assert (reporter.team_id, reporter.language, reporter.username) == (team.id, "uk", "ana")

    await reporters.update(reporter, language=None, first_name="Ana")
    assert (reporter.team_id, reporter.language, reporter.first_name) == (team.id, None, "Ana")
