"""The pass's window kept in memory between passes: it reads only the rows it lacks, and never
serves what the database no longer holds (a report deleted, a vector rebuilt, another model's
vectors)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.pattern_window import WindowCache
from bot.patterns import PatternWatch, make_vectors
from core.i18n import Translator
from core.settings import locales_dir
from learning.embedding import model_id
from learning.patterns import Item
from storage.models import Report
from storage.repositories import PatternRepository, TeamRepository, VectorRepository
from storage.repositories.alert_views import AlertViewRepository
from storage.repositories.vectors import WindowRow
from storage.vectors import to_bytes
from tests.helpers.hazards import DOOR_CODE
from tests.storage.builders import store_report

MODEL = "test-model@1"
SINCE, UNTIL = date(2026, 3, 3), date(2026, 3, 27)


class CountingVectors(VectorRepository):
    """The repository, noting which rows were read in full."""

    def __init__(self, session: AsyncSession, read: list[int]) -> None:
        super().__init__(session)
        self.read = read

    async def window_rows(self, *, report_ids: Sequence[int], model: str) -> list[WindowRow]:
        self.read.extend(report_ids)
        return await super().window_rows(report_ids=report_ids, model=model)


def unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
    return vector / np.linalg.norm(vector)


@pytest.fixture
async def team_id(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker.begin() as session:
        return (await TeamRepository(session).create(name="Rosewood", places=["Kitchen"])).id


async def add(sessionmaker: async_sessionmaker[AsyncSession], team_id: int, days: Sequence[int],
              *, model: str = MODEL) -> list[int]:
    async with sessionmaker.begin() as session:
        ids = [(await store_report(session, team_id, occurred_date=date(2026, 3, day))).id
               for day in days]
        await VectorRepository(session).save(vectors={i: to_bytes(unit(i)) for i in ids},
                                             model=model)
    return ids


async def delete_report(sessionmaker: async_sessionmaker[AsyncSession], report_id: int) -> None:
    """As retention deletes a report (its vector goes by ON DELETE CASCADE)."""
    async with sessionmaker.begin() as session:
        session.info["actor"] = (None, "retention")
        await session.delete(await session.get(Report, report_id))


async def read(sessionmaker: async_sessionmaker[AsyncSession], cache: WindowCache,
               *, model: str = MODEL) -> tuple[list[Item], list[int]]:
    """The window as the cache gives it, and the ids it read in full to give it."""
    rows: list[int] = []
    async with sessionmaker() as session:
        items = await cache.read(CountingVectors(session, rows), since=SINCE, until=UNTIL,
                                 model=model)
    return items, sorted(rows)


async def test_only_reports_not_yet_seen_are_read_and_the_window_is_in_day_order(
        sessionmaker: async_sessionmaker[AsyncSession], team_id: int) -> None:
    first = await add(sessionmaker, team_id, [20, 5, 12])
    await add(sessionmaker, team_id, [2, 28])  # outside [3 Mar, 27 Mar]: never read
    cache = WindowCache()
    items, rows = await read(sessionmaker, cache)
    assert rows == sorted(first)  # every row in the window once, on first use
    assert [item.report_id for item in items] == [first[1], first[2], first[0]]
    new = await add(sessionmaker, team_id, [9])
    items, rows = await read(sessionmaker, cache)
    assert rows == new
    assert [item.report_id for item in items] == [first[1], new[0], first[2], first[0]]
    assert all(np.array_equal(item.vector, unit(item.report_id)) for item in items)
    assert (await read(sessionmaker, cache))[1] == []


async def test_a_deleted_report_leaves_the_window_and_the_copy(
        sessionmaker: async_sessionmaker[AsyncSession], team_id: int) -> None:
    ids = await add(sessionmaker, team_id, [5, 6, 7])
    cache = WindowCache()
    await read(sessionmaker, cache)
    await delete_report(sessionmaker, ids[1])
    items, rows = await read(sessionmaker, cache)
    assert [item.report_id for item in items] == [ids[0], ids[2]] and rows == []
    assert len(cache) == 2


async def test_a_rebuilt_vector_is_read_again(
        sessionmaker: async_sessionmaker[AsyncSession], team_id: int) -> None:
    ids = await add(sessionmaker, team_id, [5, 6])
    cache = WindowCache()
    await read(sessionmaker, cache)
    async with sessionmaker.begin() as session:  # the same model, new bytes
        await VectorRepository(session).save(vectors={ids[0]: to_bytes(unit(99))}, model=MODEL)
    items, rows = await read(sessionmaker, cache)
    assert rows == [ids[0]] and np.array_equal(items[0].vector, unit(99))
    async with sessionmaker.begin() as session:  # another model's now: not comparable
        await VectorRepository(session).save(vectors={ids[1]: to_bytes(unit(7))},
                                             model="other@2")
    items, _ = await read(sessionmaker, cache)
    assert [item.report_id for item in items] == [ids[0]]


async def test_another_model_drops_the_copy(
        sessionmaker: async_sessionmaker[AsyncSession], team_id: int) -> None:
    ours = await add(sessionmaker, team_id, [5])
    theirs = await add(sessionmaker, team_id, [6], model="other@2")
    cache = WindowCache()
    assert [item.report_id for item in (await read(sessionmaker, cache))[0]] == ours
    items, rows = await read(sessionmaker, cache, model="other@2")
    assert [item.report_id for item in items] == theirs and rows == theirs
    assert len(cache) == 1


def watch(sessionmaker: async_sessionmaker[AsyncSession], **kwargs: object) -> PatternWatch:
    return PatternWatch(sessionmaker, Translator(locales_dir(), "en"), min_reports=3,
                        window_days=30, **kwargs)  # type: ignore[arg-type]


async def file(sessionmaker: async_sessionmaker[AsyncSession], team_id: int,
               reports: Sequence[tuple[str, str, str]], first_day: int) -> list[int]:
    async with sessionmaker.begin() as session:
        return [(await store_report(session, team_id, place="Kitchen", category=category,
                                    what_happened=what, how_prevented=how,
                                    immediate_action=None, suggestions=None,
                                    occurred_date=date(2026, 3, first_day + 3 * n))).id
                for n, (what, how, category) in enumerate(reports)]


async def members(sessionmaker: async_sessionmaker[AsyncSession]) -> list[list[int]]:
    async with sessionmaker() as session:
        return [[member.report_id for member in view.members]
                for view in await AlertViewRepository(session).every(team_ids=None)]


async def test_one_watch_over_many_passes_forgets_a_deleted_report(
        sessionmaker: async_sessionmaker[AsyncSession], team_id: int) -> None:
    pass_ = watch(sessionmaker)
    early = await file(sessionmaker, team_id, DOOR_CODE[:2], first_day=2)
    await pass_.drain()
    assert len(pass_.window) == 2 and await members(sessionmaker) == []
    await delete_report(sessionmaker, early[0])
    later = await file(sessionmaker, team_id, DOOR_CODE[2:4], first_day=8)
    await pass_.drain()
    assert await members(sessionmaker) == [[early[1], *later]]


async def test_one_watch_sees_vectors_a_reindex_rebuilt(
        sessionmaker: async_sessionmaker[AsyncSession], team_id: int) -> None:
    noise = iter(range(1000))
    pass_ = watch(sessionmaker, embed=lambda texts: np.stack([unit(next(noise))
                                                              for _ in texts]))
    ids = await file(sessionmaker, team_id, DOOR_CODE[:3], first_day=2)
    await pass_.drain()  # vectors that say nothing alike: no pattern, but kept in the copy
    assert len(pass_.window) == 3 and await members(sessionmaker) == []
    async with sessionmaker.begin() as session:  # rebuilt by the model, queued again
        texts = await VectorRepository(session).texts(report_ids=ids)
        await make_vectors(session, list(texts.values()),
                           embed=watch(sessionmaker).embed, model=model_id())
        await PatternRepository(session).queue_all(announce=False)
    await pass_.drain()
    assert await members(sessionmaker) == [ids]
