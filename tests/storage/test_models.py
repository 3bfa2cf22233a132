"""The UTC timestamp type: aware in, naive UTC stored, aware UTC out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite

from storage.models import UTCDateTime

DIALECT = sqlite.dialect()


def test_aware_datetimes_are_stored_as_naive_utc() -> None:
    local = datetime(2026, 3, 14, 18, 30, tzinfo=timezone(timedelta(hours=2)))
    assert UTCDateTime().process_bind_param(local, DIALECT) == datetime(2026, 3, 14, 16, 30)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 3, 14, 16, 30), DIALECT)


def test_stored_values_come_back_as_utc() -> None:
    value = UTCDateTime().process_result_value(datetime(2026, 3, 14, 16, 30), DIALECT)
    assert value == datetime(2026, 3, 14, 16, 30, tzinfo=UTC)
    assert UTCDateTime().process_result_value(None, DIALECT) is None
