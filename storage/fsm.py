"""aiogram FSM storage on SQL, so conversations survive a bot restart."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)
from sqlalchemy import BindParameter, bindparam, delete, insert, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import hot
from storage.dialects import upsert_insert
from storage.models import FsmRecord, Reporter, utcnow
from storage.repositories.reporters import BY_KEY as REPORTER_BY_KEY
from storage.repositories.reporters import COLUMNS as REPORTER_COLUMNS

# A key's row as stored: (state, data as JSON); (None, None) when there is no row.
Stored = tuple[str | None, str | None]
COLUMNS = ("state", "data")


@dataclass
class _Joined:
    """The session of the update being handled, and the rows it has read or written: `rows`
    as they will be, `stored` as the database has them."""

    session: AsyncSession
    rows: dict[str, Stored] = field(default_factory=dict)
    stored: dict[str, Stored] = field(default_factory=dict)
    # The reporter key of the person behind the update, until their reporter row is read with
    # the first FSM row (see _read).
    reporter_key: str | None = None

    def writes(self) -> list[hot.Write]:
        """The statements that bring each changed row to what it will be: one a row."""
        due: list[hot.Write] = []
        now = utcnow()
        for key, (state, data) in self.rows.items():
            before = self.stored.get(key, (None, None))
            if (state, data) == before:
                continue
            self.stored[key] = (state, data)
            row = {"k": key, "state": state, "data": data, "now": now}
            if (state, data) == (None, None):
                due.append((_DROP_ROW, {"k": key}, None))
            elif before == (None, None):
                due.append((_INSERT_ROW, row, None))
            else:  # an UPDATE that finds no row (erased meanwhile) inserts it again
                due.append((_UPDATE_ROW, row, (_INSERT_ROW, row)))
        return due


# FSM reads and writes of an update join its transaction: a second connection would wait on
# SQLite's write lock held by the first, and a submitted report and the cleared draft commit
# (or roll back) together. Within the update a key's row is read once and written only when
# it changes; the event isolation keeps other updates of the same key out meanwhile.
_update: ContextVar[_Joined | None] = ContextVar("fsm_update", default=None)


@contextmanager
def joined_to(session: AsyncSession, *, reporter_key: str | None = None) -> Iterator[None]:
    """Within this block, FSM storage uses `session` and leaves committing to its owner: its
    statements go on the session's driver connection, its writes deferred until due
    (storage/hot/). With `reporter_key` (a person's update), its first read brings that
    reporter's row along."""
    hot.enable(session)
    token = _update.set(_Joined(session, reporter_key=reporter_key))
    try:
        yield
    finally:
        _update.reset(token)


def dump_data(data: Mapping[str, Any]) -> str | None:
    """Serialise FSM data to JSON (None when empty); refuse what would not read back equal."""
    if not data:
        return None
    try:
        text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        message = f"FSM data must be JSON-native (dict, list, str, number, bool, None): {error}"
        raise TypeError(message) from None
    # json.dumps quietly turns tuples into lists and int keys into strings; the draft read
    # back after a restart would then differ from the one written.
    if json.loads(text) != data:
        raise TypeError("FSM data must be JSON-native: tuples or non-str keys do not round-trip")
    return text


# Statements built once: SQLAlchemy then memoises each one's cache key, where a statement built
# per call is traversed again every time, which costs more than SQLite's own work on it.
# Outside an update a column is cleared in a short transaction of its own: an UPDATE,
# then a DELETE of the row if nothing is left in it.
_FSM = FsmRecord.__table__
_READ = select(_FSM.c.state, _FSM.c.data).where(_FSM.c.key == bindparam("k"))
_UPDATE = {column: update(_FSM).where(_FSM.c.key == bindparam("k"))
           .values(updated_at=bindparam("now"), **{column: bindparam("value")})
           for column in COLUMNS}
_DROP_EMPTY = delete(_FSM).where(_FSM.c.key == bindparam("k"), _FSM.c.state.is_(None),
                                 _FSM.c.data.is_(None))
# An update's own writes (storage/hot/): whole rows, deferred until they are due.
_READ_HOT = hot.Hot(_READ)
_ROW: dict[str, BindParameter[Any]] = {
    "state": bindparam("state"), "data": bindparam("data"), "updated_at": bindparam("now")}
_INSERT_ROW = hot.Hot(insert(_FSM).values(key=bindparam("k"), **_ROW))
_UPDATE_ROW = hot.Hot(update(_FSM).where(_FSM.c.key == bindparam("k")).values(**_ROW))
_DROP_ROW = hot.Hot(delete(_FSM).where(_FSM.c.key == bindparam("k")))
# A person's FSM row and reporter row in one statement (on PostgreSQL one round trip, not two):
# each joined, if it is there, to a row of one.
_ONE = select(literal_column("1").label("one")).subquery("one")
_WITH_REPORTER = hot.Hot(
    select(_FSM.c.state, _FSM.c.data, *REPORTER_COLUMNS).select_from(
        _ONE.outerjoin(_FSM, _FSM.c.key == bindparam("k"))
        .outerjoin(Reporter.__table__, Reporter.__table__.c.telegram_key == bindparam("rk"))))


class SQLStorage(BaseStorage):
    """FSM state and data in the fsm_states table, one row per chat/user key."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        """Set the state; None clears it."""
        value = state.state if isinstance(state, State) else state
        await self._write(self.key_builder.build(key), "state", value)

    async def get_state(self, key: StorageKey) -> str | None:
        """Return the current state."""
        return (await self._read(self.key_builder.build(key)))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        """Replace the data; an empty dict clears it."""
        if not isinstance(data, dict):
            raise TypeError(f"FSM data must be a dict, got {type(data).__name__}")
        await self._write(self.key_builder.build(key), "data", dump_data(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        """Return a copy of the current data."""
        stored = (await self._read(self.key_builder.build(key)))[1]
        if stored is None:
            return {}
        data: dict[str, Any] = json.loads(stored)
        return data

    async def close(self) -> None:
        """Do nothing: the engine belongs to whoever created it."""

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        """The update's session if one is joined, else a short transaction of our own."""
        joined = _update.get()
        if joined is not None:
            yield joined.session
            return
        async with self.sessionmaker.begin() as session:
            yield session

    async def _read(self, key: str) -> Stored:
        """Return a key's state and data (plain columns: an ORM object could be stale)."""
        joined = _update.get()
        if joined is not None and key in joined.rows:
            return joined.rows[key]
        if joined is not None and joined.reporter_key is not None:
            return await self._read_with_reporter(joined, key, joined.reporter_key)
        async with self._session() as session:
            row = await hot.first(session, _READ_HOT, {"k": key})
        stored: Stored = (row[0], row[1]) if row is not None else (None, None)
        if joined is not None:
            joined.rows[key] = joined.stored[key] = stored
        return stored

    @staticmethod
    async def _read_with_reporter(joined: _Joined, key: str, reporter_key: str) -> Stored:
        """The first read of a person's update (aiogram's, inside the person's lock): their
        reporter row comes along, for the reporter read that follows (bot/middlewares.py)."""
        joined.reporter_key = None
        row = await hot.first(joined.session, _WITH_REPORTER, {"k": key, "rk": reporter_key})
        assert row is not None  # the row of one is always there
        reporter = row[2:] if row[2] is not None else None
        hot.remember(joined.session, REPORTER_BY_KEY, {"k": reporter_key}, reporter)
        joined.rows[key] = joined.stored[key] = (row[0], row[1])
        return joined.rows[key]

    async def _write(self, key: str, column: str, value: str | None) -> None:
        """Set one column of a key's row; drop the row once empty."""
        joined = _update.get()
        if joined is not None:
            await self._defer(joined, key, column, value)
            return
        async with self.sessionmaker.begin() as session:
            if value is None:
                await self._clear(session, key, column)
                return
            values = {column: value, "updated_at": utcnow()}
            statement = upsert_insert(session, FsmRecord).values({"key": key, **values})
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[FsmRecord.key],
                    set_={
                        column: statement.excluded[column],
                        "updated_at": statement.excluded.updated_at,
                    },
                )
            )

    async def _defer(self, joined: _Joined, key: str, column: str, value: str | None) -> None:
        """Change the row as it will be; the statement runs when due (storage/hot/)."""
        state, data = await self._read(key)
        joined.rows[key] = (value, data) if column == "state" else (state, value)
        await hot.defer(joined.session, joined.writes)

    @staticmethod
    async def _clear(session: AsyncSession, key: str, column: str) -> None:
        """Null one column, and delete the row if nothing is left in it."""
        await session.execute(_UPDATE[column], {"k": key, "value": None, "now": utcnow()})
        await session.execute(_DROP_EMPTY, {"k": key})
