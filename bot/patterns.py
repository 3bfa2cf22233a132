"""The pattern pass: finds similar near misses repeating, by what the reports say, among the
reports queued since it last looked, records each cluster's alert with its members, and gives
the alert's audience one heads-up (bot/heads_ups.py).

A submission only queues its report (storage/repositories/reports.py). A pass takes a batch of
queued reports; makes the vectors of those that have none (the model runs on a worker thread,
so the bot keeps answering); reads the window of stored vectors around them; finds the
patterns holding them (learning/patterns.py); labels each from its members' words against the
window's others (learning/labels.py); and commits the alerts, their heads-ups and the batch's
leaving the queue together: a crash before the commit leaves the reports queued for the next.
Heads-ups go out only for reports queued to be announced (imported history is not), and an
alert is announced once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Sequence
from datetime import timedelta

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.heads_ups import queue_heads_ups
from bot.pattern_window import WindowCache
from conversations import CATEGORIES
from core.i18n import Translator
from core.settings import Settings
from learning.embedding import embedder, model_id
from learning.labels import cluster_label
from learning.patterns import Found, Item, Thresholds, embedding_text, find_patterns, matching_alert
from storage.models import PatternAlert
from storage.repositories import CategoryRepository, PatternRepository, VectorRepository
from storage.repositories.vectors import ReportText
from storage.sqlite_loop import on_loop
from storage.vectors import to_bytes

log = logging.getLogger(__name__)
Embed = Callable[[Sequence[str]], np.ndarray]
BACKGROUND = 200  # the window's other reports a label is weighed against, at most
_BUILT_IN = dict(CATEGORIES)


def embed_with_model(texts: Sequence[str]) -> np.ndarray:
    """The installed model's vectors (loaded once per process)."""
    return embedder().embed(texts)


async def make_vectors(session: AsyncSession, reports: Sequence[ReportText], *,
                       embed: Embed, model: str) -> None:
    """Embed these reports off the event loop and store their vectors."""
    if not reports:
        return
    labels = await category_labels(session, {report.category for report in reports})
    texts = [embedding_text(what_happened=r.what_happened, how_prevented=r.how_prevented,
                            immediate_action=r.immediate_action, suggestions=r.suggestions,
                            place=r.place, category=labels[r.category]) for r in reports]
    vectors = await asyncio.to_thread(embed, texts)
    await VectorRepository(session).save(
        vectors={report.report_id: to_bytes(vector) for report, vector in zip(reports, vectors,
                                                                             strict=True)},
        model=model)


async def category_labels(session: AsyncSession, keys: Collection[str]) -> dict[str, str]:
    """Each category's English label (a custom one's name): what a report is embedded with."""
    labels = {}
    for key in keys:
        custom = None if key in _BUILT_IN else await CategoryRepository(session).get_by_key(
            key=key)
        labels[key] = _BUILT_IN.get(key) or (custom.name if custom is not None else key)
    return labels


class PatternWatch:
    """Checks queued reports a batch at a time, about every `interval` seconds."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], translator: Translator,
                 *, min_reports: int, window_days: int, interval: float = 5.0,
                 batch: int = 100, embed: Embed = embed_with_model) -> None:
        self.sessionmaker, self.translator = sessionmaker, translator
        self.thresholds = Thresholds(min_reports=min_reports, window_days=window_days)
        self.interval, self.batch, self.embed = interval, batch, embed
        self.model = model_id()
        self.window = WindowCache()  # this process's copy of the window, kept between passes

    async def run(self, stop: asyncio.Event) -> None:
        """Check what is queued every `interval` seconds until `stop`; a failed pass (the
        database away) is logged and tried again."""
        while not stop.is_set():
            try:
                await self.drain()
            except Exception as error:  # noqa: BLE001 - logged; the queue keeps the reports
                log.error("pattern check failed (%s: %s); trying again in %.0f s",
                          type(error).__name__, error, self.interval)
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.interval)
            except TimeoutError:
                pass

    async def drain(self) -> int:
        """Check batches until the queue is empty; how many reports were checked."""
        total = 0
        while checked := await self.check_batch():
            total += checked
            await asyncio.sleep(0)  # a long queue (after downtime) never holds up the bot
        return total

    async def check_batch(self) -> int:
        """One batch in one transaction: its alerts, their heads-ups, off the queue.

        The vectors the batch lacks are made first, outside it (they are kept whatever happens
        to the batch), so the model's work never holds the database's write lock."""
        if not await self._prepare_vectors():
            return 0  # nothing queued: no write transaction (SQLite's lock) taken
        with on_loop():
            async with self.sessionmaker.begin() as session:
                patterns = PatternRepository(session)
                queued = await patterns.take_queued(limit=self.batch)
                ids = [entry.report_id for entry in queued]
                missing = await VectorRepository(session).needing(model=self.model,
                                                                  report_ids=ids)
                await make_vectors(session, missing, embed=self.embed, model=self.model)
                announcing = {entry.report_id for entry in queued if entry.announce}
                window = await self._window(VectorRepository(session), ids)
                stored = {item.report_id for item in window}  # a report gone has no vector
                for report_id in sorted(set(ids) & stored):
                    for found, items in self._patterns(report_id, window):
                        await self._record(session, found, items, announcing)
                await patterns.leave_queue(report_ids=ids)
        return len(queued)

    async def _prepare_vectors(self) -> bool:
        """Embed the next batch's reports that have no vector yet, in a short transaction;
        False when nothing is queued."""
        async with self.sessionmaker() as session:
            queued = await PatternRepository(session).peek_queued(limit=self.batch)
            missing = await VectorRepository(session).needing(model=self.model,
                                                              report_ids=queued)
        if missing:
            async with self.sessionmaker.begin() as session:
                await make_vectors(session, missing, embed=self.embed, model=self.model)
        return bool(queued)

    def _patterns(self, report_id: int,
                  window: Sequence[Item]) -> list[tuple[Found, list[Item]]]:
        """The patterns holding this report among the reports stored up to it, each with the
        window it was found in.

        Each report is looked at as it was when stored, in the order reports were stored: a
        report stored later has its own turn, and grows the alert if it joins. So a burst of
        reports, a queue after downtime and an import of years of history (stored in time
        order) find the patterns live reporting would have found, one report at a time."""
        items = [item for item in window if item.report_id <= report_id]
        found = find_patterns(items, touching=[report_id], thresholds=self.thresholds)
        return [(pattern, items) for pattern in found]

    async def _window(self, vectors: VectorRepository, ids: Sequence[int]) -> list[Item]:
        """Every stored report within the window of any of these (read from the database only
        where the copy kept from the last pass lacks it or is out of date)."""
        days = await vectors.days(report_ids=ids) if ids else []
        if not days:
            return []
        reach = timedelta(days=self.thresholds.window_days)
        return await self.window.read(vectors, since=min(days) - reach,
                                      until=max(days) + reach, model=self.model)

    async def _record(self, session: AsyncSession, found: Found, items: Sequence[Item],
                      announcing: Collection[int]) -> None:
        patterns = PatternRepository(session)
        alert_id = matching_alert(found, await patterns.holding(report_ids=found.report_ids))
        recorded = await patterns.record(found, alert_id=alert_id,
                                         label=await self._label(session, found, items))
        alert = recorded.alert
        if alert.announced_at is None and found.report_ids & set(announcing):
            await self._heads_up(session, alert, [i for i in items
                                                  if i.report_id in found.report_ids])
            await patterns.mark_announced(alert)

    async def _label(self, session: AsyncSession, found: Found, items: Sequence[Item]) -> str:
        """What the members say in common, against (a sample of) the window's others."""
        others = [item.report_id for item in items if item.report_id not in found.report_ids]
        step = max(1, len(others) // BACKGROUND)
        texts = await VectorRepository(session).texts(
            report_ids=[*found.report_ids, *others[::step][:BACKGROUND]])
        words = {report_id: _words(text) for report_id, text in texts.items()}
        return cluster_label([words[i] for i in found.report_ids if i in words],
                             [words[i] for i in words if i not in found.report_ids])

    async def _heads_up(self, session: AsyncSession, alert: PatternAlert,
                        members: Sequence[Item]) -> None:
        """Queue the heads-up for the alert's audience: counts, place, kinds; never words."""
        await queue_heads_ups(session, self.translator, alert,
                              member_teams={item.team_id for item in members},
                              categories={item.category for item in members})


def _words(text: ReportText) -> str:
    return " ".join(part for part in (text.what_happened, text.how_prevented,
                                      text.immediate_action, text.suggestions) if part)


def pattern_watch(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                  translator: Translator) -> PatternWatch:
    """The pass with the thresholds the settings give."""
    return PatternWatch(sessionmaker, translator, min_reports=settings.pattern_min_reports,
                        window_days=settings.pattern_window_days)
