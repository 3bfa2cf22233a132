"""The few statements every bot update makes, sent on the update's own connection.

Under bench/load.py's saturation run the bot process is CPU-bound, and for these statements
SQLAlchemy's execution machinery (a greenlet switch, an execution context and a result per
statement) cost more than the database did. They are always the same few (the person's FSM
row read and written, their reporter, their team's places and the categories read), so each
is compiled by SQLAlchemy once per dialect, with its type processing, and sent straight to the
driver connection of the update's session. Everything else goes through SQLAlchemy as usual.

On PostgreSQL each statement is also a round trip, and an update used to make five: BEGIN, two
reads, the write, COMMIT. Now (the two reads are one statement too: storage/fsm.py):
- a read made before the update has written anything runs outside a transaction (each
  statement of a READ COMMITTED transaction sees what was committed when it began anyway);
- writes are deferred (`defer`) until the next statement on the connection or the commit;
  when the commit finds a single deferred statement and no transaction begun, it runs alone,
  which is atomic by itself, with no BEGIN or COMMIT. Otherwise the transaction is begun first
  and the deferred statements run in it, before whatever comes next, in the order written.
A tapped answer is then two round trips: the read and the write.

On PostgreSQL, until the update's session begins a transaction of its own, these statements do
not go through the session at all: each read, and the deferred writes when the update commits,
borrow a connection for just that long (`Raw`, in wire.py), from asyncpg's own pool made for
the engine (pool.py: cheaper to borrow from than SQLAlchemy's, whose checkout and checkin run
in greenlets; sessions keep SQLAlchemy's). An update
that only reads its row and writes it back then never builds the session's transaction,
connection and commit, which timed alone took more CPU than the two statements. When the
session does begin (an ORM statement, a report filed), the writes still deferred move into its
transaction, ahead of its first statement, as before.

A submission's statements are hot as well (`transaction`, used by
storage/repositories/reports.py): the reference bump, the report and its rows, inserted with
the columns' own defaults (`Insert`). On PostgreSQL they run in a transaction of their own on
a borrowed connection, with the writes deferred so far first in it. Taking them out of the
session took the submitting update from 4.7 to 3.5 ms of CPU in bench/load.py's lockstep run.

Only sessions `enable`d (the bot's per-update ones) take this path; elsewhere the same
statements run through SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.util import await_only

from storage.hot.wire import INTEGRITY_ERRORS, Collector, Driver, Hot, Insert, Raw, Write
from storage.written import changed_rows

__all__ = ["INTEGRITY_ERRORS", "Hot", "Insert", "Statements", "Write", "commit", "defer",
           "enable", "enabled", "first", "install", "remember", "rows", "transaction", "write",
           "write_later"]
ENABLED = "nearmiss.hot"  # session.info: this session's driver, while its transaction lasts
AHEAD = "nearmiss.hot.ahead"  # session.info: rows read ahead (`remember`), until first asked for
PENDING = "nearmiss.hot.pending"  # connection.info: the writes deferred on it
RAW = "nearmiss.hot.raw"  # session.info: its statements and writes outside its transaction


def enable(session: AsyncSession) -> None:
    """Send this session's hot statements on driver connections (the bot's updates)."""
    info = session.sync_session.info
    info[ENABLED] = None
    bind = session.bind
    if isinstance(bind, AsyncEngine) and bind.dialect.name == "postgresql":
        info[RAW] = Raw(bind, bind.dialect)


def enabled(session: AsyncSession) -> bool:
    return ENABLED in session.sync_session.info


def _raw(session: AsyncSession) -> Raw | None:
    """The session's way outside its transaction, while it has begun none (PostgreSQL)."""
    sync = session.sync_session
    return None if sync.in_transaction() else sync.info.get(RAW)


async def _driver(session: AsyncSession) -> Driver:
    info = session.sync_session.info
    known: Driver | None = info.get(ENABLED)
    if known is not None and known.transaction is session.sync_session.get_transaction():
        return known
    connection = await session.connection()  # begins the session's transaction
    transaction = session.sync_session.get_transaction()
    assert transaction is not None
    known = info.get(ENABLED)  # _after_begin's, when writes moved into this transaction
    if known is None or known.transaction is not transaction:
        assert connection.sync_connection is not None
        known = info[ENABLED] = Driver.on(transaction, connection.sync_connection)
    return known


async def _driver_now(session: AsyncSession) -> Driver:
    """The session's driver, for a statement to run now: the writes deferred on its
    connection run first."""
    driver = await _driver(session)
    if (due := _due(driver.connection)) is not None:
        await due.flush(alone=False)
    return driver


async def rows(session: AsyncSession, hot: Hot, params: Mapping[str, Any]
               ) -> list[tuple[Any, ...]]:
    """The statement's rows, as plain values."""
    if not enabled(session):
        return await _Through(session).rows(hot, params)
    if (raw := _raw(session)) is not None:
        # Deferred writes wait: no hot read depends on them (an update reads a person's FSM
        # row once, storage/fsm.py), and they are due only at the commit.
        return await raw.rows(hot, params)
    return await (await _driver_now(session)).rows(hot, params)


async def first(session: AsyncSession, hot: Hot, params: Mapping[str, Any]
                ) -> tuple[Any, ...] | None:
    """The statement's first row (of at most one), as plain values, or None."""
    ahead = session.sync_session.info.get(AHEAD)
    if ahead:
        key = _ahead_key(hot, params)
        if key in ahead:
            return ahead.pop(key)
    found = await rows(session, hot, params)
    return found[0] if found else None


class Statements(Protocol):
    """Where `transaction` sends hot statements."""

    @property
    def postgresql(self) -> bool: ...

    async def run(self, hot: Hot, params: Mapping[str, Any]) -> int: ...

    async def rows(self, hot: Hot, params: Mapping[str, Any]) -> list[tuple[Any, ...]]: ...

    def savepoint(self) -> AbstractAsyncContextManager[Any]: ...


@asynccontextmanager
async def transaction(session: AsyncSession) -> AsyncIterator[Statements]:
    """Hot statements that commit together, and with the update's other writes:
    - in the session's transaction if it has begun one (or runs on SQLite, whose bot sessions
      take their connection, and its write lock, for their first statement), committed with
      it, the writes deferred until now ahead of them;
    - on PostgreSQL outside any, in a transaction of their own on a borrowed connection,
      committed when the block ends, with the writes deferred until now run first in it;
    - through SQLAlchemy, in the session's transaction, when the session is not a bot
      update's (`enable`)."""
    if not enabled(session):
        yield _Through(session)
        return
    if (raw := _raw(session)) is not None:
        async with raw.transaction() as held:
            yield held
        return
    driver = await _driver_now(session)
    await driver.begin()
    yield driver


async def write(session: AsyncSession, hot: Hot, params: Mapping[str, Any]
                ) -> list[tuple[Any, ...]]:
    """A write whose rows (RETURNING) the update needs now. As `transaction` runs it, except
    that on PostgreSQL outside any transaction, with nothing deferred, it runs alone on a
    borrowed connection (one statement is atomic by itself): no BEGIN or COMMIT."""
    if (raw := _raw(session)) is not None and not raw.collectors:
        return await raw.rows(hot, params)
    async with transaction(session) as db:
        return await db.rows(hot, params)


async def write_later(session: AsyncSession, hot: Hot, params: Mapping[str, Any]) -> None:
    """A write nothing in the update reads back: in a bot update's session, deferred with
    its other writes (`defer`); in any other, run now through SQLAlchemy."""
    if not enabled(session):
        await _Through(session).run(hot, params)
        return
    await defer(session, lambda: [(hot, params, None)])


class _Through:
    """Hot statements through SQLAlchemy, for sessions that are not a bot update's."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def postgresql(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    async def run(self, hot: Hot, params: Mapping[str, Any]) -> int:
        result = await self.session.execute(hot.statement, params)
        return changed_rows(result)

    async def rows(self, hot: Hot, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in await self.session.execute(hot.statement, params)]

    def savepoint(self) -> AbstractAsyncContextManager[Any]:
        return self.session.begin_nested()


def remember(session: AsyncSession, hot: Hot, params: Mapping[str, Any],
             row: tuple[Any, ...] | None) -> None:
    """`row` is what `first(session, hot, params)` would read now: it was read along with
    another statement's. The next such `first` takes it instead of reading, once."""
    session.sync_session.info.setdefault(AHEAD, {})[_ahead_key(hot, params)] = row


def _ahead_key(hot: Hot, params: Mapping[str, Any]) -> tuple[int, tuple[Any, ...]]:
    return id(hot), tuple(sorted(params.items()))


async def defer(session: AsyncSession, collect: Collector) -> None:
    """Have `collect` give its writes when they are due: before the connection's next
    statement, or at the commit. Once per collector until then."""
    if (raw := _raw(session)) is not None:
        if collect not in raw.collectors:
            raw.collectors.append(collect)
        return
    driver = await _driver(session)
    if collect not in driver.collectors:
        driver.collectors.append(collect)
    driver.connection.info[PENDING] = driver


async def commit(session: AsyncSession) -> None:
    """Commit what the session has begun (adding or changing an object begins it too), then
    run the writes deferred outside it (its transaction took in those deferred before it
    began on a connection); nothing when there is neither."""
    if session.in_transaction():
        await session.commit()
    raw: Raw | None = session.sync_session.info.get(RAW)
    if raw is not None:
        await raw.commit()


def _after_begin(session: Session, transaction: SessionTransaction,
                 connection: Connection) -> None:
    """The session has begun on a connection: writes deferred outside it move in, to run
    before its first statement (they and the rest commit or roll back together)."""
    raw: Raw | None = session.info.get(RAW)
    if raw is None or not raw.collectors:
        return
    driver = session.info[ENABLED] = Driver.on(transaction, connection)
    driver.collectors, raw.collectors = raw.collectors, []
    connection.info[PENDING] = driver


def install(engine: AsyncEngine) -> None:
    """Run deferred writes before any other statement, and at the commit; drop them on
    rollback."""
    sync = engine.sync_engine
    event.listen(sync, "before_cursor_execute", _before_statement)
    event.listen(sync, "commit", _before_commit)
    event.listen(sync, "rollback", _on_rollback)
    if not event.contains(Session, "after_begin", _after_begin):
        event.listen(Session, "after_begin", _after_begin)


def _due(connection: Connection) -> Driver | None:
    return connection.info.pop(PENDING, None)


def _before_statement(connection: Connection, *_: Any) -> None:
    if (driver := _due(connection)) is not None:
        await_only(driver.flush(alone=False))


def _before_commit(connection: Connection) -> None:
    if (driver := _due(connection)) is not None:
        await_only(driver.flush(alone=True))


def _on_rollback(connection: Connection) -> None:
    if (driver := _due(connection)) is not None:
        driver.collectors.clear()
