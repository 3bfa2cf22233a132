"""Kill -9 mid-report, as bench/kill_drill.py runs it: 50 workers are mid-report when the bot
process is SIGKILLed and started again; every one finishes, and every report holds exactly
its worker's answers. On SQLite with the state in the SQL table; in the PostgreSQL pass with
the state in Redis (aiogram's RedisStorage and our renewed per-person lock)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.kill_drill import drill
from tests.helpers.backend import ON_POSTGRES
from tests.helpers.fake_telegram import FakeTelegram
from tests.helpers.redis_server import REDIS_URL, needs_redis, redis, redis_prefix

__all__ = ["redis", "redis_prefix"]  # fixtures


@pytest.mark.skipif(ON_POSTGRES, reason="the PostgreSQL pass runs it with Redis, below")
async def test_sigkill_mid_report_loses_no_answer_on_sqlite(
        fake: FakeTelegram, database_url: str, tmp_path: Path) -> None:
    result = await drill(fake, database_url, tmp_path, workers=50)
    print(result.summary())
    assert result.problems == []
    assert result.answered_at_kill < 50 * 12, "the kill must land mid-report"


@needs_redis
@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL + Redis: runs in the PostgreSQL pass")
async def test_sigkill_mid_report_loses_no_answer_on_postgres_and_redis(
        fake: FakeTelegram, database_url: str, tmp_path: Path, redis: object,
        redis_prefix: str) -> None:
    result = await drill(fake, database_url, tmp_path, workers=50, redis_url=REDIS_URL,
                         redis_prefix=redis_prefix)
    print(result.summary())
    assert result.problems == []
    assert result.answered_at_kill < 50 * 12, "the kill must land mid-report"
