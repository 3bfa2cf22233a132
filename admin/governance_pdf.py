"""Governance PDFs: a few Chromium renders at a time, each PDF kept while its data is unchanged.

A render starts a whole browser, and any role may ask for one. GovernancePdfs lets `limit`
renders run at once; a request waits up to `wait` seconds for a turn and is then told the
server is busy (503, Retry-After). A rendered PDF is kept, in a small LRU per app, under
its period, teams, language, day and the data version: anything a governance report shows
changes the version, so a kept PDF is never stale and a repeated request costs no browser.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException

from admin.pdf import html_to_pdf
from conversations import N_
from storage.models import AuditEntry, Category, PatternAlert, Report, Team

CACHED = 16  # PDFs kept per app; a governance PDF is a few hundred kB
RETRY_AFTER = 30  # seconds, in the busy answer
BUSY = N_("Other governance PDFs are being made just now. Try again in a minute, or open "
          "the report as a web page and print it.")


@dataclass
class RenderCounts:
    """What the renders did: read by tests and useful when watching the server."""

    started: int = 0  # Chromium renders begun
    running: int = 0  # renders under way now
    most_at_once: int = 0
    served_from_cache: int = 0


class GovernancePdfs:
    """The app's queue of Chromium renders and its cache of the PDFs they made."""

    def __init__(self, *, limit: int, wait: float, cached: int = CACHED,
                 render: Callable[[str], Awaitable[bytes]] = html_to_pdf) -> None:
        self.slots = asyncio.Semaphore(limit)
        self.wait = wait
        self.cached = cached
        self.render = render
        self.counts = RenderCounts()
        self._pdfs: OrderedDict[Hashable, bytes] = OrderedDict()

    async def pdf(self, key: Hashable, page: Callable[[], Awaitable[str]]) -> bytes:
        """The PDF kept under `key`, or `page()`'s HTML rendered in turn and kept."""
        if (kept := self._kept(key)) is not None:
            return kept
        async with self.turn():
            # Someone ahead in the queue may have just rendered the same report.
            if (kept := self._kept(key)) is not None:
                return kept
            html = await page()
            pdf = await self._render(html)
        self._pdfs[key] = pdf
        while len(self._pdfs) > self.cached:
            self._pdfs.popitem(last=False)
        return pdf

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """One of the `limit` render slots; 503 when none comes free within `wait` seconds."""
        try:
            async with asyncio.timeout(self.wait):
                await self.slots.acquire()
        except TimeoutError:
            raise HTTPException(status_code=503, detail=BUSY,
                                headers={"Retry-After": str(RETRY_AFTER)}) from None
        try:
            yield
        finally:
            self.slots.release()

    def _kept(self, key: Hashable) -> bytes | None:
        pdf = self._pdfs.get(key)
        if pdf is not None:
            self._pdfs.move_to_end(key)
            self.counts.served_from_cache += 1
        return pdf

    async def _render(self, html: str) -> bytes:
        counts = self.counts
        counts.started += 1
        counts.running += 1
        counts.most_at_once = max(counts.most_at_once, counts.running)
        try:
            return await self.render(html)
        finally:
            counts.running -= 1


async def data_version(session: AsyncSession) -> tuple[object, ...]:
    """A value that changes whenever anything a governance report shows changes.

    Every change to a report or an action, deletions included, writes the audit log in
    its own transaction (storage/audit.py), so the log's newest id moves; a new report is
    not audited but takes a new, higher id. Team and category names are in the report too:
    both tables are small, so their names are hashed, and so are the pattern alerts it lists
    as repeat themes (they grow, and reviewers title them, without an audit entry).
    """
    audit = await session.scalar(select(func.max(AuditEntry.id)))
    reports = await session.scalar(select(func.max(Report.id)))
    names = hashlib.sha256()
    for query in (select(Team.id, Team.name).order_by(Team.id),
                  select(Category.key, Category.name).order_by(Category.key),
                  select(PatternAlert.id, PatternAlert.report_count, PatternAlert.first_date,
                         PatternAlert.last_date, PatternAlert.title).order_by(PatternAlert.id)):
        for row in await session.execute(query):
            names.update(repr(tuple(row)).encode())
    return audit, reports, names.hexdigest()
