"""SQLStorage: conversation state that survives a restart and leaves nothing behind."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import hot
from storage.db import create_engine, create_sessionmaker
from storage.fsm import SQLStorage, joined_to
from storage.models import FsmRecord

KEY = StorageKey(bot_id=1, chat_id=100, user_id=100)


class Report(StatesGroup):
    answering = State()


@pytest.fixture
def storage(sessionmaker: async_sessionmaker[AsyncSession]) -> SQLStorage:
    return SQLStorage(sessionmaker)


async def _rows(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(FsmRecord)) or 0


async def test_nothing_stored_yet(storage: SQLStorage) -> None:
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {}


async def test_set_and_get_state_and_data(storage: SQLStorage) -> None:
    await storage.set_state(KEY, Report.answering)
    await storage.set_data(KEY, {"step": "place", "answers": {"told": ["nurse"]}, "n": 1.5})

    assert await storage.get_state(KEY) == "Report:answering"
    assert await storage.get_data(KEY) == {
        "step": "place",
        "answers": {"told": ["nurse"]},
        "n": 1.5,
    }
    assert await storage.update_data(KEY, {"step": "category"}) == {
        "step": "category",
        "answers": {"told": ["nurse"]},
        "n": 1.5,
    }
    assert await storage.get_value(KEY, "step") == "category"

    await storage.set_state(KEY, "Report:review")
    assert await storage.get_state(KEY) == "Report:review"


async def test_keys_are_separate(storage: SQLStorage) -> None:
    other_chat = StorageKey(bot_id=1, chat_id=200, user_id=100)
    other_destiny = StorageKey(bot_id=1, chat_id=100, user_id=100, destiny="scene")
    await storage.set_state(KEY, "a")
    await storage.set_state(other_chat, "b")
    await storage.set_state(other_destiny, "c")
    states = [await storage.get_state(k) for k in (KEY, other_chat, other_destiny)]
    assert states == ["a", "b", "c"]


async def test_data_survives_a_restart(database_url: str) -> None:
    engine = create_engine(database_url)
    await SQLStorage(create_sessionmaker(engine)).set_state(KEY, Report.answering)
    await SQLStorage(create_sessionmaker(engine)).set_data(KEY, {"what_happened": "Pots swapped"})
    await engine.dispose()

    restarted = create_engine(database_url)
    storage = SQLStorage(create_sessionmaker(restarted))
    try:
        assert await storage.get_state(KEY) == "Report:answering"
        assert await storage.get_data(KEY) == {"what_happened": "Pots swapped"}
    finally:
        await storage.close()
        await restarted.dispose()


async def test_a_finished_conversation_leaves_no_row(
    storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await storage.set_state(KEY, Report.answering)
    await storage.set_data(KEY, {"step": "place"})
    assert await _rows(sessionmaker) == 1

    await storage.set_state(KEY, None)
    assert await _rows(sessionmaker) == 1  # the data is still there
    await storage.set_data(KEY, {})

    assert await _rows(sessionmaker) == 0
    assert await storage.get_data(KEY) == {}


async def test_clearing_what_was_never_set_writes_nothing(
    storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})
    assert await _rows(sessionmaker) == 0


async def test_concurrent_first_writes_do_not_collide(
    storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await asyncio.gather(*(storage.set_state(KEY, f"s{n}") for n in range(10)))
    assert await _rows(sessionmaker) == 1


@pytest.mark.parametrize(
    "data",
    [{"when": date(2026, 3, 14)}, {"told": ("nurse",)}, {1: "x"}, {"n": float("nan")}],
)
async def test_data_that_is_not_json_native_is_refused(storage: SQLStorage, data: dict) -> None:
    with pytest.raises(TypeError, match="JSON-native"):
        await storage.set_data(KEY, data)
    assert await storage.get_data(KEY) == {}


async def test_data_must_be_a_dict(storage: SQLStorage) -> None:
    with pytest.raises(TypeError, match="must be a dict"):
        await storage.set_data(KEY, [("a", 1)])  # type: ignore[arg-type]


async def test_an_update_writes_what_it_read_with_plain_statements(
    storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as session:
        with joined_to(session):
            assert await storage.get_state(KEY) is None  # read once: no row
            await storage.set_state(KEY, Report.answering)  # INSERT
            await storage.set_data(KEY, {"step": "place"})  # UPDATE of the row just inserted
        await hot.commit(session)
    async with sessionmaker() as session:
        with joined_to(session):
            assert await storage.get_data(KEY) == {"step": "place"}
            await storage.set_data(KEY, {"step": "what"})  # UPDATE
        await hot.commit(session)
    assert await storage.get_state(KEY) == Report.answering.state
    assert await storage.get_data(KEY) == {"step": "what"}
    assert await _rows(sessionmaker) == 1


async def test_a_row_gone_since_it_was_read_is_written_again(
    storage: SQLStorage, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await storage.set_data(KEY, {"step": "place"})
    async with sessionmaker() as session:
        with joined_to(session):
            assert await storage.get_data(KEY) == {"step": "place"}
            await session.execute(delete(FsmRecord))  # erased meanwhile
            await storage.set_data(KEY, {"step": "what"})  # the UPDATE finds nothing
        await hot.commit(session)
    assert await storage.get_data(KEY) == {"step": "what"}
