"""`nearmiss learning reindex`: rebuild the vectors of every report that has none, or one
another model made (after the model changes), then run the pattern pass over the whole history
without announcing anything to groups."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tqdm import tqdm

from bot.patterns import Embed, PatternWatch, embed_with_model, make_vectors
from core.i18n import Translator
from core.settings import Settings, locales_dir
from learning.embedding import model_id
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade_async
from storage.models import PatternAlert
from storage.repositories import PatternRepository, VectorRepository

PAGE = 64  # reports embedded and committed together: progress survives an interruption
PASS_BATCH = 500


@dataclass(frozen=True)
class Reindexed:
    """What a reindex did."""

    rebuilt: int
    embed_seconds: float
    checked: int
    pass_seconds: float
    alerts_before: int
    alerts_after: int

    def summary(self, model: str) -> str:
        return (f"Rebuilt {self.rebuilt:,} report vectors with {model} in "
                f"{self.embed_seconds:.1f} s; the pattern pass checked {self.checked:,} "
                f"reports in {self.pass_seconds:.1f} s; alerts: {self.alerts_after:,} "
                f"({self.alerts_after - self.alerts_before:,} new). No heads-ups were sent "
                f"for history.")


async def command(settings: Settings) -> int:
    """Run `learning reindex` against the configured database."""
    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        translator = Translator(locales_dir(), settings.default_language)
        done = await reindex(create_sessionmaker(engine), translator, progress=sys.stderr,
                             min_reports=settings.pattern_min_reports,
                             window_days=settings.pattern_window_days)
    finally:
        await engine.dispose()
    print(done.summary(model_id()))
    return 0


async def reindex(sessionmaker: async_sessionmaker[AsyncSession], translator: Translator, *,
                  progress: TextIO, min_reports: int, window_days: int,
                  embed: Embed = embed_with_model) -> Reindexed:
    """Rebuild stale vectors, then the pass over every report, unannounced."""
    model = model_id()
    alerts_before = await _alerts(sessionmaker)
    started = time.perf_counter()
    rebuilt = await _rebuild(sessionmaker, model, embed, progress)
    embedded = time.perf_counter()
    async with sessionmaker.begin() as session:
        await PatternRepository(session).queue_all(announce=False)
    watch = PatternWatch(sessionmaker, translator, min_reports=min_reports,
                         window_days=window_days, batch=PASS_BATCH, embed=embed)
    checked = await watch.drain()
    return Reindexed(rebuilt=rebuilt, embed_seconds=embedded - started, checked=checked,
                     pass_seconds=time.perf_counter() - embedded, alerts_before=alerts_before,
                     alerts_after=await _alerts(sessionmaker))


async def _rebuild(sessionmaker: async_sessionmaker[AsyncSession], model: str, embed: Embed,
                   progress: TextIO) -> int:
    """Embed every report needing a vector, a page at a time, with a progress bar."""
    async with sessionmaker() as session:
        total = await VectorRepository(session).count_needing(model=model)
    rebuilt, after_id = 0, 0
    with tqdm(total=total, unit="report", desc="vectors", file=progress,
              disable=total == 0) as bar:
        while True:
            async with sessionmaker.begin() as session:
                page = await VectorRepository(session).needing(model=model, after_id=after_id,
                                                               limit=PAGE)
                await make_vectors(session, page, embed=embed, model=model)
            if not page:
                return rebuilt
            rebuilt, after_id = rebuilt + len(page), page[-1].report_id
            bar.update(len(page))


async def _alerts(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(PatternAlert)) or 0)


