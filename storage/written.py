"""How many rows a write changed, read from the result `AsyncSession.execute` returns."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Result


def changed_rows(result: Result[Any]) -> int:
    """The rows an INSERT, UPDATE or DELETE matched. `AsyncSession.execute` is typed to return
    any Result; for those statements it is the CursorResult that counts them."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"a row count needs a write's CursorResult, not {type(result).__name__}")
    return result.rowcount
