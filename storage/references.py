"""Report references like NM-2026-0042: one counter per year, bumped in a single statement."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialects import upsert_insert
from storage.models import ReferenceCounter


def format_reference(*, year: int, number: int) -> str:
    """Format a reference; numbers past 9999 simply grow wider."""
    return f"NM-{year}-{number:04d}"


async def next_reference(session: AsyncSession, *, year: int) -> str:
    """Allocate the next reference of a year (rolled back with the caller's transaction)."""
    # One upsert, so the row lock (PostgreSQL) or write lock (SQLite) makes it race-free.
    insert = upsert_insert(session, ReferenceCounter)
    statement = (
        insert.values(year=year, last=1)
        .on_conflict_do_update(
            index_elements=[ReferenceCounter.year],
            set_={"last": ReferenceCounter.last + 1},
        )
        .returning(ReferenceCounter.last)
    )
    number = (await session.execute(statement)).scalar_one()
    return format_reference(year=year, number=number)
