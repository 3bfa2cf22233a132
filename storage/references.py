"""Report references like NM-2026-0042: one counter per year, bumped in a single statement."""

from __future__ import annotations

from sqlalchemy import Integer, text

from storage import hot

# One upsert, so the row lock (PostgreSQL) or write lock (SQLite) makes it race-free. Written
# out because SQLite and PostgreSQL spell it alike, and SQLAlchemy 2.0 compiles its dialect
# upserts afresh on every call (they are never cached) while a text() statement is built once.
_BUMP = hot.Hot(text(
    "INSERT INTO reference_counters (year, last) VALUES (:year, 1) "
    "ON CONFLICT (year) DO UPDATE SET last = reference_counters.last + 1 RETURNING last"
).columns(last=Integer))


def format_reference(*, year: int, number: int) -> str:
    """Format a reference; numbers past 9999 simply grow wider."""
    return f"NM-{year}-{number:04d}"


async def next_reference(db: hot.Statements, *, year: int) -> str:
    """Allocate the next reference of a year (rolled back with the caller's transaction)."""
    [(number,)] = await db.rows(_BUMP, {"year": year})
    return format_reference(year=year, number=number)
