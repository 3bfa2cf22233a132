"""Where SQLite and PostgreSQL need different SQL: upserts, case-insensitive substrings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

_INSERTS: dict[str, Any] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def upsert_insert(session: AsyncSession, table: Any) -> Any:
    """Return an INSERT for the session's dialect that supports on_conflict_do_update."""
    name = session.get_bind().dialect.name
    try:
        return _INSERTS[name](table)
    except KeyError:
        raise NotImplementedError(f"upserts are not supported on {name!r}") from None


def contains_folded(dialect: str, column: Any, needle: str) -> ColumnElement[bool]:
    """Return "column contains needle, ignoring case", with the needle's % and _ literal."""
    if dialect == "sqlite":
        # SQLite's LIKE already ignores (ASCII) case, and its lower() folds only ASCII too,
        # so ILIKE's lower(x) LIKE lower(y) gives the same answer, only more slowly.
        return column.contains(needle, autoescape=True)
    return column.icontains(needle, autoescape=True)
