"""An anonymous report leaves no trace of who made it: not in any table, not in any log line.

The real `nearmiss run` process files it (with a safeguarding escalation, the path that
writes the most), then every row of every table of the database (the SQLite file and its raw
bytes; on the PostgreSQL pass every table information_schema lists), and every line the
process wrote (at DEBUG) are searched for the worker's Telegram id, names and username.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_engine
from storage.models import Team, TeamContact
from tests.e2e.flow import choose, privacy
from tests.e2e.test_process import REPLY_TIMEOUT, BotProcess, _answer, _env, _free_port
from tests.helpers.backend import ON_POSTGRES
from tests.helpers.fake_telegram import FakeTelegram

WORKER_ID = 8123456789
NEEDLES = (str(WORKER_ID), "Zanele", "Qwabe", "zanele_q")
WORDS = "A resident was given her tablets twice"


@pytest.fixture
async def process(fake: FakeTelegram, database_url: str,
                  tmp_path: Path) -> AsyncIterator[BotProcess]:
    """`nearmiss run` logging everything it can (DEBUG), so nothing hides below the level."""
    env = _env(database_url, BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url,
               ADMIN_PORT=str(_free_port()), DATA_DIR=str(tmp_path), LOG_LEVEL="DEBUG")
    runner = BotProcess(env, tmp_path)
    await runner.start()
    yield runner
    if runner.process is not None and runner.process.returncode is None:
        await runner.kill()


def dump(path: Path) -> list[str]:
    """Every row of every table, sqlite_master, virtual (FTS) and shadow tables included."""
    lines = []
    with sqlite3.connect(path) as db:
        db.text_factory = lambda raw: raw.decode("utf-8", "replace")
        schema = db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
        lines += [f"sqlite_master: {row!r}" for row in schema]
        for kind, name, _, _ in schema:
            if kind != "table":
                continue
            for row in db.execute(f'SELECT * FROM "{name}"'):  # noqa: S608 - names from schema
                lines.append(f"{name}: " + " | ".join(_text(value) for value in row))
    return lines


async def dump_postgres(database_url: str) -> list[str]:
    """Every row of every table and every column name in the database's own schemas."""
    engine = create_engine(database_url)
    lines = []
    try:
        async with engine.connect() as db:
            columns = (await db.execute(text(
                "SELECT table_schema, table_name, column_name FROM information_schema.columns"
                " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"))).all()
            lines += [f"information_schema.columns: {row!r}" for row in columns]
            tables = (await db.execute(text(
                "SELECT table_schema, table_name FROM information_schema.tables"
                " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"))).all()
            for schema, name in tables:
                rows = await db.execute(text(f'SELECT * FROM "{schema}"."{name}"'))  # noqa: S608
                lines += [f"{name}: " + " | ".join(_text(value) for value in row)
                          for row in rows]
    finally:
        await engine.dispose()
    return lines


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")  # every byte visible, whatever the encoding
    return str(value)


def traces(lines: list[str]) -> list[str]:
    """The lines that mention the worker in any way (case ignored)."""
    return [line for line in lines
            if any(needle.casefold() in line.casefold() for needle in NEEDLES)]


async def test_an_anonymous_report_leaves_no_trace_of_the_worker(
        fake: FakeTelegram, process: BotProcess, team: Team, database_url: str,
        engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    contact = fake.private_chat(5601, "Priya")
    async with sessionmaker.begin() as session:
        session.add(TeamContact(team_id=team.id, name="Priya", role="safeguarding",
                                telegram_user_id=5601))
    chat = fake.private_chat(WORKER_ID, "Zanele", last_name="Qwabe", username="zanele_q",
                             language_code="en")

    def send(text: str) -> Callable[[], object]:
        return lambda: chat.send(text, wait=False)

    def click(label: str) -> Callable[[], object]:
        return lambda: chat.click(label, wait=False)

    await _answer(chat, send(f"/start {team.code}"), "Question 1 of 11")
    await _answer(chat, lambda: choose(chat, "harm", 2, wait=False), "Question 2 of 11")
    assert "I have alerted" in chat.texts()[-2]
    for label in ("Yesterday", "Morning", "Kitchen", "Medication"):
        await _answer(chat, click(label), "Question")
    await _answer(chat, send(WORDS), "What stopped it from being worse")
    await _answer(chat, send("The nurse checked the chart and called the GP"), "Question 8")
    await _answer(chat, click("Skip"), "Question 9")
    await _answer(chat, click("Nobody yet"), "Question 10")
    await _answer(chat, click("Skip"), "Question 11")
    await _answer(chat, lambda: privacy(chat, "anonymous", wait=False), "Privacy: Anonymous")
    await _answer(chat, click("Submit report"), "NM-")
    reference = next(word for word in chat.last_text().split() if word.startswith("NM-"))
    reference = reference.rstrip(",.")
    # The running sender delivers the alert and its follow-up, de-identified.
    await contact.wait_for(lambda: reference in contact.last_text(), timeout=REPLY_TIMEOUT)
    assert await process.terminate() in (0, -15)
    await engine.dispose()  # the last connection closes: the WAL is checkpointed, as at rest

    path = Path(make_url(database_url).database or "")
    rows = await dump_postgres(database_url) if ON_POSTGRES else dump(path)
    log = process.log().splitlines()
    # The search can see what it is looking through: the report, the team, the polling.
    assert any(WORDS in line for line in rows) and any(reference in line for line in rows)
    assert any(line.startswith("escalations: ") for line in rows)
    assert any("Start polling" in line for line in log)
    assert traces(rows) == []
    assert traces(log) == []
    # Nor in the file's free space at rest: deleted rows are overwritten (secure_delete).
    # (PostgreSQL's files belong to its server; a deleted row's bytes stay until VACUUM.)
    for file in () if ON_POSTGRES else (path, path.with_name(path.name + "-wal")):
        if file.exists():
            raw = file.read_bytes().lower()
            assert not [n for n in NEEDLES if n.lower().encode() in raw], file.name
    # Nor was anything ever queued to the worker.
    assert not [line for line in rows if line.startswith("outbox: ")
                and f"| {WORKER_ID} |" in line]
