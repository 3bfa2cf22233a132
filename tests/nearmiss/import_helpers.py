"""Writing import files and running `nearmiss reports import` in the test's process."""

from __future__ import annotations

import argparse
import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.i18n import Translator
from core.settings import Settings, locales_dir
from nearmiss import import_command

COLUMNS = ("team", "place", "category", "occurred_at", "what_happened", "how_prevented",
           "immediate_action", "suggestions", "who_told", "external_id")


def row(**cells: str) -> dict[str, str]:
    """A good row; keyword arguments replace cells."""
    return {"team": "Rosewood House", "place": "Lounge", "category": "falls",
            "occurred_at": "2025-03-04T14:30",
            "what_happened": "A resident nearly tripped on the loose rug by the door",
            "how_prevented": "A carer steadied them in time", "immediate_action": "",
            "suggestions": "", "who_told": "manager", "external_id": "", **cells}


def write_csv(path: Path, rows: Sequence[Mapping[str, str]],
              columns: Sequence[str] = COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(columns)
        for cells in rows:
            writer.writerow([cells.get(name, "") for name in columns])
    return path


async def run_import(database_url: str, sessionmaker: async_sessionmaker[AsyncSession],
                     capsys: pytest.CaptureFixture[str], path: Path,
                     *flags: str) -> tuple[int, str, str]:
    """The command as `nearmiss reports import PATH FLAGS` runs it: exit code, out, err."""
    args = argparse.Namespace(file=str(path), create_missing="--create-missing" in flags,
                              skip_bad_rows="--skip-bad-rows" in flags,
                              announce="--announce" in flags)
    settings = Settings(_env_file=None, database_url=database_url,  # type: ignore[call-arg]
                        timezone="Europe/London")
    translator = Translator(locales_dir(), "en")
    code = await import_command.run(settings, args, path, sessionmaker, translator)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)
