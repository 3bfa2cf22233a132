"""Reporters: a pseudonymous key of the Telegram id, with team and language only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Reporter
from storage.repositories import ReporterRepository, TeamRepository

KEY = b"k" * 32


async def test_create_and_get_a_reporter(session: AsyncSession) -> None:
    reporters = ReporterRepository(session, identity_key=KEY)
    created = await reporters.create(telegram_user_id=7_000_000_001)

    found = await reporters.get_by_telegram_id(telegram_user_id=7_000_000_001)

    assert found == created
    assert await reporters.get(reporter_id=created.id) == created
    assert await reporters.get_by_telegram_id(telegram_user_id=1) is None
    assert (created.language, created.team_id) == (None, None)
    assert created.created_at.tzinfo is not None


async def test_the_telegram_id_is_not_stored(session: AsyncSession) -> None:
    await ReporterRepository(session, identity_key=KEY).create(telegram_user_id=7_000_000_001)

    row = (await session.execute(text("SELECT * FROM reporters"))).mappings().one()

    assert "7000000001" not in " ".join(str(value) for value in row.values())
    assert len(row["telegram_key"]) == 64


async def test_another_key_does_not_find_the_reporter(session: AsyncSession) -> None:
    await ReporterRepository(session, identity_key=KEY).create(telegram_user_id=42)

    other = ReporterRepository(session, identity_key=b"o" * 32)

    assert await other.get_by_telegram_id(telegram_user_id=42) is None


async def test_no_key_no_reporter(session: AsyncSession) -> None:
    with pytest.raises(ValueError, match="identity key"):
        await ReporterRepository(session).create(telegram_user_id=42)


async def test_update_changes_only_the_fields_given(session: AsyncSession) -> None:
    team = await TeamRepository(session).create(name="Oak House")
    reporters = ReporterRepository(session, identity_key=KEY)
    reporter = await reporters.create(telegram_user_id=42, language="uk")

    reporter = await reporters.update(reporter, team_id=team.id)
    assert (reporter.team_id, reporter.language) == (team.id, "uk")

    reporter = await reporters.update(reporter, language=None)
    assert (reporter.team_id, reporter.language) == (team.id, None)
    assert await reporters.get(reporter_id=reporter.id) == reporter


async def test_an_update_moves_updated_at_on(session: AsyncSession) -> None:
    reporters = ReporterRepository(session, identity_key=KEY)
    reporter = await reporters.create(telegram_user_id=42)
    table = Reporter.__table__
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    await session.execute(update(table).where(table.c.id == reporter.id)
                          .values(updated_at=long_ago))

    await reporters.update(reporter, language="pl")

    stamp = select(table.c.updated_at).where(table.c.id == reporter.id)
    assert (await session.execute(stamp)).scalar_one() > long_ago + timedelta(days=365)
