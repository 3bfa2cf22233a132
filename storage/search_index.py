"""Full-text search of the workers' words: SQLite's FTS5 index, kept in step by triggers.

FTS5 answers a word search from its index instead of scanning every report, folds case and
accents for every alphabet (SQLite's LIKE folds only ASCII), and matches word beginnings, so
"tablet" finds "tablets". PostgreSQL keeps ILIKE until it gets its own index.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, text

from storage.models import Report

TABLE = "reports_fts"
COLUMNS = ("what_happened", "how_prevented", "immediate_action", "suggestions", "place",
           "reference")
WORD = re.compile(r"[^\W_]+")
PLAIN = set("-'’.,")  # punctuation that separates words without meaning anything itself


def create_statements() -> list[str]:
    """DDL for the index, its triggers, and filling it from the reports already stored."""
    columns = ", ".join(COLUMNS)
    new = ", ".join(f"new.{c}" for c in COLUMNS)
    old = ", ".join(f"old.{c}" for c in COLUMNS)
    remove = f"INSERT INTO {TABLE}({TABLE}, rowid, {columns}) VALUES ('delete', old.id, {old});"
    add = f"INSERT INTO {TABLE}(rowid, {columns}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {TABLE} USING fts5({columns}, content='reports', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports BEGIN {add} END",
        f"CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports BEGIN {remove} END",
        f"CREATE TRIGGER reports_fts_update AFTER UPDATE OF {columns} ON reports "
        f"BEGIN {remove} {add} END",
        f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')",
    ]


def drop_statements() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS reports_fts_{event}" for event in
            ("insert", "delete", "update")] + [f"DROP TABLE IF EXISTS {TABLE}"]


def match_query(needle: str) -> str | None:
    """Every word of the search as a quoted prefix term (so no user text is FTS syntax).

    None when the search holds symbols that are part of what is sought ("A&E", "<3", "100%"):
    a word index cannot find those, so the caller falls back to a substring match.
    """
    if not all(ch.isalnum() or ch.isspace() or ch in PLAIN for ch in needle):
        return None
    words = WORD.findall(needle)
    return " ".join(f'"{word}"*' for word in words) if words else None


def matches(query: str) -> ColumnElement[bool]:
    """Reports whose words match `query` (from match_query)."""
    subquery = text(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :fts_query").bindparams(
        fts_query=query)
    # "id + 0" keeps SQLite from driving the query by the matches (and sorting thousands of
    # them for a common word): it walks the list's sort index and checks each id against the
    # match set, stopping at a page (bench/admin_bench.py times a common word's search).
    return (Report.id + 0).in_(subquery)


def is_index_table(name: str | None) -> bool:
    """The FTS table and its shadow tables, which the models do not (and cannot) describe."""
    return bool(name) and str(name).startswith(TABLE)
