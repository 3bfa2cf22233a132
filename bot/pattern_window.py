"""The window of stored reports the pattern pass compares, kept in memory between passes.

Live reporting adds a few reports to a window of thousands between two passes, so a pass that
read every stored vector again would spend most of its time re-reading what it already had.
The pass asks the database only which reports the window holds and when each vector was made
(a cheap indexed read that leaves the vectors' bytes unread), then reads in full only the rows
it lacks or whose vector was made again since it read them (rebuilt by a reindex, or a
deleted report's id used again). What left the window (it moved on, or the report was
deleted) is forgotten. The database stays the truth: each worker process keeps its own copy,
and a copy made for one model is dropped when another model asks.
"""

from __future__ import annotations

from datetime import date

from learning.patterns import Item
from storage.repositories import VectorRepository
from storage.repositories.vectors import WindowRow


class WindowCache:
    """The Items of the last window read, by report id, with when each vector was made."""

    def __init__(self) -> None:
        self.model = ""
        self._kept: dict[int, tuple[object, Item]] = {}

    def __len__(self) -> int:
        return len(self._kept)

    async def read(self, vectors: VectorRepository, *, since: date, until: date,
                   model: str) -> list[Item]:
        """Every report whose day lies in [since, until] with a vector by `model`, by day then
        id, as the database holds them now."""
        if model != self.model:
            self.model, self._kept = model, {}
        keys = await vectors.window_keys(since=since, until=until, model=model)
        kept = self._kept
        stale = [report_id for report_id, made_at in keys
                 if (known := kept.get(report_id)) is None or known[0] != made_at]
        fresh = {row.report_id: (row.made_at, _item(row))
                 for row in await vectors.window_rows(report_ids=stale, model=model)}
        self._kept, window = {}, []
        for report_id, made_at in keys:  # what is not in the window now is forgotten
            known = fresh.get(report_id) or kept.get(report_id)
            if known is not None:
                self._kept[report_id] = known
                if known[0] == made_at or report_id in fresh:
                    window.append(known[1])
        return window


def _item(row: WindowRow) -> Item:
    return Item(row.report_id, row.day, row.hour, row.team_id, row.place, row.category,
                row.vector)
