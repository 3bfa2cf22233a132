"""The dialect-specific INSERT used for upserts (ON CONFLICT ... DO UPDATE)."""

from __future__ import annotations

from typing import Any

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
