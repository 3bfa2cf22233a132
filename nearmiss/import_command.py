"""`nearmiss reports import FILE.csv`: a provider's history brought in as anonymous reports.

The whole file is checked first (nearmiss/import_rows.py), then its teams and places looked
up; with any error nothing is stored unless --skip-bad-rows. Reports are stored in the order
they happened, without identity, a batch per transaction, and queued for the pattern pass,
which runs to the end before the command returns: its alerts exist when it says "done".
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tqdm import tqdm

from bot.patterns import pattern_watch
from core.i18n import Translator
from core.settings import Settings, locales_dir
from nearmiss.import_rows import FileProblem, ImportRow, RowError, read
from nearmiss.import_teams import Directory, resolve
from nearmiss.import_vocabulary import Vocabulary, vocabulary
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade_async
from storage.repositories import CategoryRepository, ReportRepository
from storage.schemas import ReportCreate

BATCH = 200  # reports per transaction
LISTED_ERRORS = 1_000  # rejected rows listed; beyond this they are counted


@dataclass
class Outcome:
    """What an import found and did."""

    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    duplicates: int = 0
    references: list[str] = field(default_factory=list)

    def reject(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < LISTED_ERRORS:
            self.errors.append(error)


async def command(settings: Settings, args: argparse.Namespace) -> int:
    """Run the import against the configured database: 0 when it went through, 2 when the
    file or its rows stopped it (each problem printed on its own line)."""
    path = Path(args.file)
    if not path.is_file():
        print(f"nearmiss: {path} is not a file; give the path of the CSV file to import.",
              file=sys.stderr)
        return 2
    await upgrade_async(settings.database_url)
    translator = Translator(locales_dir(), settings.default_language)
    engine = create_engine(settings.database_url)
    try:
        sessionmaker = create_sessionmaker(engine)
        return await run(settings, args, path, sessionmaker, translator)
    finally:
        await engine.dispose()


async def run(settings: Settings, args: argparse.Namespace, path: Path,
              sessionmaker: async_sessionmaker[AsyncSession], translator: Translator) -> int:
    """Check, store, learn, and say what happened."""
    outcome = Outcome()
    try:
        await _check(settings, path, sessionmaker, translator, outcome)
    except FileProblem as problem:
        print(f"nearmiss: {path.name}: {problem}; nothing was imported.", file=sys.stderr)
        return 2
    async with sessionmaker() as session:
        directory = await Directory.load(session)
    resolve(outcome.rows, directory, create_missing=args.create_missing, reject=outcome.reject)
    outcome.rows = [row for row in outcome.rows if row.line not in directory.rejected_lines]
    outcome.errors.sort(key=lambda error: error.line)
    if outcome.error_count and (not args.skip_bad_rows or not outcome.rows):
        return _refuse(outcome)
    await _drop_stored(sessionmaker, outcome)
    async with sessionmaker.begin() as session:
        await directory.create_missing(session)
    await _store(settings, sessionmaker, directory, outcome, announce=args.announce)
    print(summary(outcome))
    return await _learn(settings, sessionmaker, translator) if outcome.references else 0


async def _learn(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                 translator: Translator) -> int:
    """Run the pattern pass until the queue is empty, so the imported reports' alerts exist
    when the command returns. Should it fail, the reports stay queued for the running bot's
    pass: said in one line, exit 1 (the import itself went through)."""
    print("Looking for patterns among the imported reports...", file=sys.stderr)
    try:
        checked = await pattern_watch(settings, sessionmaker, translator).drain()
    except Exception as error:  # noqa: BLE001 - said, not a traceback; the queue keeps them
        print(f"nearmiss: the reports were imported, but looking for patterns among them "
              f"failed ({type(error).__name__}: {_first_line(error)}); they stay queued, and "
              f"the running bot's pattern pass will look at them.", file=sys.stderr)
        return 1
    print(f"Looked for patterns: {checked} reports checked.")
    return 0


async def _check(settings: Settings, path: Path,
                 sessionmaker: async_sessionmaker[AsyncSession], translator: Translator,
                 outcome: Outcome) -> None:
    """Read the whole file, keeping its good rows and its errors."""
    async with sessionmaker() as session:
        words = await _vocabulary(session, translator)
    now = datetime.now(settings.zone)
    with path.open(encoding="utf-8-sig", newline="") as stream:
        for row in read(stream, vocabulary=words, now=now):
            if isinstance(row, RowError):
                outcome.reject(row)
            else:
                outcome.rows.append(row)


async def _vocabulary(session: AsyncSession, translator: Translator) -> Vocabulary:
    """Categories and answers by code or by label in every shipped language, and the
    categories an administrator added (retired ones too: history may use them)."""
    custom = [(category.key, category.name)
              for category in await CategoryRepository(session).list(active_only=False)]
    translations = [lambda msgid, language=language: translator.gettext(msgid, language)
                    for language in translator.languages]
    return vocabulary(translations, custom)


async def _drop_stored(sessionmaker: async_sessionmaker[AsyncSession],
                       outcome: Outcome) -> None:
    """Leave out rows imported before (by external id, or the same row again): duplicates."""
    ids = {row.external_id for row in outcome.rows if row.external_id is not None}
    async with sessionmaker() as session:
        reports = ReportRepository(session)
        stored_ids = await reports.stored_external_ids(external_ids=ids)
        stored_keys = await reports.stored_draft_keys(
            draft_keys={row.draft_key for row in outcome.rows})
    kept: dict[str, ImportRow] = {}
    for row in outcome.rows:
        if row.external_id in stored_ids or row.draft_key in stored_keys or \
                row.draft_key in kept:
            outcome.duplicates += 1
        else:
            kept[row.draft_key] = row
    outcome.rows = list(kept.values())


async def _store(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                 directory: Directory, outcome: Outcome, *, announce: bool) -> None:
    """Store the rows in the order they happened, a batch per transaction."""
    rows = sorted(outcome.rows, key=lambda row: (*row.moment, row.line))
    with tqdm(total=len(rows), desc="Importing", unit=" reports", file=sys.stderr,
              disable=not rows) as progress:
        for start in range(0, len(rows), BATCH):
            batch = rows[start:start + BATCH]
            async with sessionmaker.begin() as session:
                reports = ReportRepository(session)
                for row in batch:
                    stored = await reports.store(data=report_of(settings, directory, row),
                                                 announce=announce)
                    outcome.references.append(stored.reference)
            progress.update(len(batch))


def report_of(settings: Settings, directory: Directory, row: ImportRow) -> ReportCreate:
    """The report a row makes: anonymous (no identity), dated when it happened (so its
    reference year, the lists' order and the digests place it in its own time)."""
    team_id, language, place_id, place = directory.place_of(row)
    happened = datetime.combine(*row.moment, tzinfo=settings.zone)
    return ReportCreate(
        draft_key=row.draft_key, team_id=team_id, language=language,
        occurred_date=row.occurred_date, occurred_time=row.occurred_time,
        time_of_day=row.time_of_day, place=place, place_id=place_id, category=row.category,
        what_happened=row.what_happened, how_prevented=row.how_prevented,
        immediate_action=row.immediate_action, told=row.told, suggestions=row.suggestions,
        submitted_at=happened, confidentiality="anonymous", identity=None,
        external_id=row.external_id)


def _refuse(outcome: Outcome) -> int:
    """Nothing imported: each error on its line, then how to go on."""
    for error in outcome.errors:
        print(f"nearmiss: {error}", file=sys.stderr)
    if outcome.error_count > len(outcome.errors):
        print(f"nearmiss: ... and {outcome.error_count - len(outcome.errors)} more rows with "
              f"errors", file=sys.stderr)
    good = len(outcome.rows)
    how = (f"fix them and import the file again, or add --skip-bad-rows to import the {good} "
           f"good row{'s' if good != 1 else ''} alone" if good else
           "fix them and import the file again")
    print(f"nearmiss: nothing was imported: {outcome.error_count} "
          f"row{'s' if outcome.error_count != 1 else ''} with errors; {how}.", file=sys.stderr)
    return 2


def summary(outcome: Outcome) -> str:
    """What was imported, skipped and rejected (each rejected row with its line)."""
    lines = [f"Imported: {len(outcome.references)}"
             + (f" ({outcome.references[0]} to {outcome.references[-1]})"
                if outcome.references else ""),
             f"Skipped as duplicates: {outcome.duplicates}",
             f"Rejected: {outcome.error_count}"]
    lines += [f"  {error}" for error in outcome.errors]
    if outcome.error_count > len(outcome.errors):
        lines.append(f"  ... and {outcome.error_count - len(outcome.errors)} more")
    return "\n".join(lines)


def _first_line(error: Exception) -> str:
    return (str(error).splitlines() or [""])[0][:200]
