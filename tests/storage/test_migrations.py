"""The packaged migrations build exactly the schema the models describe."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.db import create_engine
from storage.identity import telegram_key
from storage.migrate import alembic_config, downgrade, upgrade_async
from storage.models import Base
from storage.search_index import is_index_table
from tests.helpers.backend import ON_POSTGRES, sqlite_only

TABLES_0005 = {"group_links", "link_codes", "outbox", "bulletins", "bulletin_teams",
               "digest_runs", "pattern_alerts"}
TABLES_0008 = {"report_identities", "team_contacts", "escalations", "retention_policy",
               "retention_runs", "privacy_log"}
TABLES_0009 = {"pattern_checks"}
TABLES_SIGN_IN = {"sign_in_failures"}  # admin_sessions_and_two_factor
TABLES_0012 = {"pattern_alert_reports", "report_vectors"}  # learning_by_meaning
TABLES = TABLES_0005 | TABLES_0008 | TABLES_0009 | TABLES_SIGN_IN | TABLES_0012 | {
    "actions",
    "admin_user_teams",
    "admin_users",
    "alembic_version",
    "audit_log",
    "categories",
    "fsm_states",
    "places",
    "reference_counters",
    "report_factors",
    "report_told",
    "reporters",
    "reports",
    "teams",
}
TABLES_0002 = {
    "actions",
    "admin_user_teams",
    "admin_users",
    "audit_log",
    "categories",
    "report_factors",
}
CURATION_COLUMNS = {
    "severity",
    "tier",
    "safeguarding_referral",
    "commissioner_notified",
    "family_informed",
    "review_what",
    "review_why",
    "review_conditions",
    "review_change",
    "redacted_summary",
}


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={
        "compare_type": True,
        "include_name": lambda name, kind, parent: not is_index_table(name)})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _inspect(url: str, check):  # type: ignore[no-untyped-def]
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(check)
    finally:
        await engine.dispose()


async def test_migrations_on_an_empty_file_create_every_table(database_url: str) -> None:
    tables = await _inspect(database_url, _tables)
    assert {name for name in tables if not is_index_table(name)} == TABLES
    assert ("reports_fts" in tables) is not ON_POSTGRES  # the full-text index, SQLite only


async def test_migrations_match_the_models(database_url: str) -> None:
    assert await _inspect(database_url, _differences) == []


@sqlite_only("the directory of the database file")
async def test_migrations_create_the_database_directory(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/data/new/nearmiss.db"
    await upgrade_async(url)
    assert (tmp_path / "data" / "new" / "nearmiss.db").is_file()


async def test_downgrade_to_base_then_upgrade_again(database_url: str) -> None:
    await asyncio.to_thread(downgrade, database_url, "base")
    assert await _inspect(database_url, _tables) == {"alembic_version"}

    await upgrade_async(database_url)

    tables = await _inspect(database_url, _tables)
    assert {name for name in tables if not is_index_table(name)} == TABLES
    assert await _inspect(database_url, _differences) == []


async def _sql(url: str, *statements: str) -> list[list[tuple[object, ...]]]:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            results = [await connection.exec_driver_sql(sql) for sql in statements]
            return [list(r) if r.returns_rows else [] for r in results]
    finally:
        await engine.dispose()


async def test_0002_keeps_existing_reports_and_gives_them_curation_defaults(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    await upgrade_async(url, "0001")
    await _sql(
        url,
        "INSERT INTO teams (id, name, code, created_at) VALUES (1, 'Oak', 'C0DE', '2026-01-01')",
        "INSERT INTO reports (id, reference, draft_key, team_id, language, occurred_date,"
        " time_of_day, place, category, what_happened, how_prevented, status, submitted_at,"
        " created_at, updated_at) VALUES (1, 'NM-2026-0001', 'd', 1, 'en', '2026-01-01',"
        " 'morning', 'Lounge', 'falls', 'w', 'h', 'new', '2026-01-01', '2026-01-01',"
        " '2026-01-01')",
    )

    await upgrade_async(url)

    [rows] = await _sql(
        url,
        "SELECT reference, safeguarding_referral, commissioner_notified, family_informed,"
        " severity, tier, review_what, redacted_summary FROM reports",
    )
    assert rows == [("NM-2026-0001", 0, 0, 0, None, None, None, None)]
    assert await _inspect(url, _differences) == []


async def test_0002_seeds_the_default_categories(database_url: str) -> None:
    [rows] = await _sql(database_url, "SELECT key, name, position, active FROM categories")
    assert sorted(rows, key=lambda row: row[2]) == [
        ("medication", "Medication", 0, 1),
        ("falls", "Falls and mobility", 1, 1),
        ("environment", "Environment and equipment", 2, 1),
        ("behaviour", "Behaviour and distress", 3, 1),
        ("personal_care", "Personal care", 4, 1),
        ("safeguarding", "Safeguarding", 5, 1),
        ("communication", "Communication and handover", 6, 1),
        ("placement", "Placement stability", 7, 1),
        ("other", "Other", 8, 1),
    ]


async def test_0002_down_and_up_again(database_url: str) -> None:
    await _sql(
        database_url,
        "INSERT INTO teams (id, name, code, created_at) VALUES (1, 'Oak', 'C0DE', '2026-01-01')",
    )
    await asyncio.to_thread(downgrade, database_url, "0001")

    assert await _inspect(database_url, _tables) == (TABLES - TABLES_0002 - TABLES_0005
                                                     - TABLES_0008 - TABLES_0009
                                                     - TABLES_SIGN_IN - TABLES_0012)
    columns = await _inspect(database_url, lambda c: inspect(c).get_columns("reports"))
    assert not {column["name"] for column in columns} & CURATION_COLUMNS
    indexes = await _inspect(database_url, lambda c: inspect(c).get_indexes("reports"))
    assert "ix_reports_category" in {index["name"] for index in indexes}

    await upgrade_async(database_url)

    tables = await _inspect(database_url, _tables)
    assert {name for name in tables if not is_index_table(name)} == TABLES
    assert await _inspect(database_url, _differences) == []
    [teams, triggers] = await _sql(
        database_url,
        "SELECT name FROM teams",
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname" if ON_POSTGRES
        else "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
    )
    assert teams == [("Oak",)]
    if ON_POSTGRES:
        assert triggers == [("audit_log_append_only",), ("audit_log_no_truncate",),
                            ("privacy_log_append_only",)]
    else:
        assert triggers == [
            ("audit_log_no_delete",), ("audit_log_no_update",), ("privacy_log_no_delete",),
            ("privacy_log_no_update",), ("reports_fts_delete",), ("reports_fts_insert",),
            ("reports_fts_update",)]


def _postgresql_sql(revisions: str, *, down: bool = False) -> str:
    config = alembic_config("postgresql://nearmiss@localhost/nearmiss")
    config.output_buffer = io.StringIO()
    (command.downgrade if down else command.upgrade)(config, revisions, sql=True)
    return config.output_buffer.getvalue()


def test_0002_protects_the_audit_log_on_postgresql_too() -> None:
    up = _postgresql_sql("0001:0002")
    down = _postgresql_sql("0002:0001", down=True)

    assert "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql" in up
    assert "BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW" in up
    assert "BEFORE TRUNCATE ON audit_log" in up
    assert "safeguarding_referral BOOLEAN DEFAULT false NOT NULL" in up
    assert "DROP FUNCTION audit_log_append_only()" in down


async def test_0008_moves_reporters_out_of_reports_and_keeps_only_a_key(
        empty_database_url: str) -> None:
    url = empty_database_url
    await upgrade_async(url, "0007")
    await _sql(
        url,
        "INSERT INTO teams (id, name, code, created_at) VALUES (1, 'Oak', 'C0DE', '2026-01-01')",
        "INSERT INTO reporters (id, telegram_user_id, team_id, first_name, username, created_at,"
        " updated_at) VALUES (4, 7000000001, 1, 'Amara', 'amara_k', '2026-01-01', '2026-01-01')",
        "INSERT INTO reports (id, reference, draft_key, reporter_id, team_id, language,"
        " occurred_date, time_of_day, place, category, what_happened, how_prevented, status,"
        " submitted_at, created_at, updated_at) VALUES (1, 'NM-2026-0001', 'd', 4, 1, 'en',"
        " '2026-01-01', 'morning', 'Lounge', 'falls', 'tablets', 'h', 'closed', '2026-01-01',"
        " '2026-01-01', '2026-02-01')",
    )

    await upgrade_async(url, identity_key=b"k" * 32)

    [identities, reporters, reports] = await _sql(
        url,
        "SELECT report_id, telegram_user_id, first_name, username FROM report_identities",
        "SELECT * FROM reporters",
        "SELECT confidentiality, kind, CAST(closed_at AS VARCHAR(10)) FROM reports",
    )
    assert identities == [(1, 7000000001, "Amara", "amara_k")]
    [reporter] = reporters
    assert telegram_key(b"k" * 32, 7000000001) in reporter
    assert not {7000000001, "Amara", "amara_k"} & set(reporter)
    assert reports == [("named", "near_miss", "2026-02-01")]  # closed: from updated_at
    if not ON_POSTGRES:
        [found] = await _sql(url, "SELECT rowid FROM reports_fts WHERE reports_fts MATCH 'tablets'")
        assert found == [(1,)]  # the full-text index survived the table rebuild
    assert await _inspect(url, _differences) == []


async def test_0008_refuses_to_drop_reporters_without_the_key(empty_database_url: str) -> None:
    url = empty_database_url
    await upgrade_async(url, "0007")
    await _sql(url, "INSERT INTO reporters (id, telegram_user_id, created_at, updated_at)"
                    " VALUES (4, 7000000001, '2026-01-01', '2026-01-01')")

    with pytest.raises(RuntimeError, match="nearmiss migrate"):
        await upgrade_async(url)


async def test_0010_keeps_each_actions_free_text_owner_and_adds_no_reaudit(
        empty_database_url: str) -> None:
    url = empty_database_url
    await upgrade_async(url, "0009")
    await _sql(
        url,
        "INSERT INTO teams (id, name, code, created_at, digest_weekday, digest_hour, language)"
        " VALUES (1, 'Oak', 'C0DE', '2026-01-01', 0, 9, 'en')",
        "INSERT INTO reports (id, reference, draft_key, team_id, language, occurred_date,"
        " time_of_day, place, category, what_happened, how_prevented, status, submitted_at,"
        " created_at, updated_at, confidentiality, kind) VALUES (1, 'NM-2026-0001', 'd', 1,"
        " 'en', '2026-01-01', 'morning', 'Lounge', 'falls', 'w', 'h', 'new', '2026-01-01',"
        " '2026-01-01', '2026-01-01', 'named', 'near_miss')",
        "INSERT INTO actions (id, report_id, description, owner, status, created_at, updated_at)"
        " VALUES (1, 1, 'Fix the rail', 'Deputy manager', 'open', '2026-01-02', '2026-01-02')",
    )

    await upgrade_async(url)

    [rows] = await _sql(url, "SELECT owner, owner_user_id, recheck_by, recheck_outcome,"
                             " rechecked_at, rechecked_by FROM actions")
    assert rows == [("Deputy manager", None, None, None, None, None)]
    assert await _inspect(url, _differences) == []
    await asyncio.to_thread(downgrade, url, "0009")
    [rows] = await _sql(url, "SELECT description, owner FROM actions")
    assert rows == [("Fix the rail", "Deputy manager")]
