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

Only sessions `enable`d (the bot's per-update ones) take this path; elsewhere the same
statements run through SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.sql import ClauseElement, Select
from sqlalchemy.util import await_only

Processor = Callable[[Any], Any] | None
ENABLED = "nearmiss.hot"  # session.info: this session's driver, while its transaction lasts
AHEAD = "nearmiss.hot.ahead"  # session.info: rows read ahead (`remember`), until first asked for
PENDING = "nearmiss.hot.pending"  # connection.info: the writes deferred on it


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters, in the order the SQL takes them
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]


class Hot:
    """A statement compiled once per dialect, to run on the driver connection."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _compile(self.statement, dialect)
        return compiled


def _compile(statement: ClauseElement, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    binds = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in names)
    columns = statement.selected_columns if isinstance(statement, Select) else ()
    results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                    for column in columns)
    return _Compiled(str(compiled), names, binds, results)


# A deferred write: the statement, its parameters, and what to run instead if it changed no
# row (an UPDATE of a row deleted meanwhile), or None.
Write = tuple[Hot, Mapping[str, Any], "tuple[Hot, Mapping[str, Any]] | None"]


@dataclass
class _Driver:
    """A session's connection for one of its transactions, as the driver sees it."""

    transaction: SessionTransaction
    connection: AsyncConnection
    dialect: Dialect
    adapted: Any  # SQLAlchemy's DBAPI adapter around the driver connection
    driver: Any  # asyncpg's Connection, or aiosqlite's
    # Collects the deferred writes when they are due (each collector once, in order).
    collectors: list[Callable[[], list[Write]]] = field(default_factory=list)

    @property
    def postgresql(self) -> bool:
        return self.dialect.name == "postgresql"

    async def begin(self) -> None:
        # SQLAlchemy's asyncpg adapter begins at its own first statement, and ours go past it;
        # SQLite's transaction began with the session's connection (storage/db.py).
        if self.postgresql and not self.adapted._started:
            await self.adapted._start_transaction()

    async def run(self, hot: Hot, params: Mapping[str, Any]) -> int:
        """Run a statement that returns no rows; how many rows it changed."""
        changed = await self._send(hot, params, rows=False)
        assert isinstance(changed, int)
        return changed

    async def rows(self, hot: Hot, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The statement's rows, as plain values."""
        found = await self._send(hot, params, rows=True)
        assert isinstance(found, list)
        return found

    async def _send(self, hot: Hot, params: Mapping[str, Any], *, rows: bool
                    ) -> int | list[tuple[Any, ...]]:
        """The statement's rows (`rows`), or the count of rows it changed."""
        compiled, args = self._bound(hot, params)
        try:
            if self.postgresql:
                if rows:
                    return [_row(compiled, row)
                            for row in await self.driver.fetch(compiled.sql, *args)]
                status: str = await self.driver.execute(compiled.sql, *args)
                return int(status.rsplit(" ", 1)[-1]) if status[-1:].isdigit() else 0
            cursor = await self.driver.execute(compiled.sql, args)
            try:
                if rows:
                    return [_row(compiled, row) for row in await cursor.fetchall()]
                return int(cursor.rowcount)
            finally:
                await cursor.close()
        except Exception:
            if self.postgresql and self.driver.is_closed():
                # Past SQLAlchemy, nobody else would see that this connection is dead.
                await self.connection.invalidate()
            raise

    def _bound(self, hot: Hot, params: Mapping[str, Any]) -> tuple[_Compiled, list[Any]]:
        compiled = hot.compiled(self.dialect)
        return compiled, [value if process is None else process(value)
                          for process, value in zip(compiled.binds,
                                                    (params[n] for n in compiled.names),
                                                    strict=True)]

    async def flush(self, *, alone: bool) -> None:
        """Run the deferred writes; with `alone` (the commit) a single one runs by itself."""
        collectors, self.collectors = self.collectors, []
        writes = [write for collect in collectors for write in collect()]
        if not writes:
            return
        if not (alone and len(writes) == 1):
            await self.begin()
        for hot, params, otherwise in writes:
            if not await self.run(hot, params) and otherwise is not None:
                await self.run(*otherwise)


def _row(compiled: _Compiled, row: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(value if process is None else process(value)
                 for process, value in zip(compiled.results, row, strict=True))


def enable(session: AsyncSession) -> None:
    """Send this session's hot statements on its driver connection (the bot's updates)."""
    session.sync_session.info[ENABLED] = None


def enabled(session: AsyncSession) -> bool:
    return ENABLED in session.sync_session.info


async def _driver(session: AsyncSession) -> _Driver:
    info = session.sync_session.info
    known: _Driver | None = info.get(ENABLED)
    if known is not None and known.transaction is session.sync_session.get_transaction():
        return known
    connection = await session.connection()  # begins the session's transaction
    fairy = await connection.get_raw_connection()
    transaction = session.sync_session.get_transaction()
    assert transaction is not None
    known = _Driver(transaction, connection, connection.dialect, fairy.dbapi_connection,
                    fairy.driver_connection)
    info[ENABLED] = known
    return known


async def rows(session: AsyncSession, hot: Hot, params: Mapping[str, Any]
               ) -> list[tuple[Any, ...]]:
    """The statement's rows, as plain values."""
    if not enabled(session):
        return [tuple(row) for row in await session.execute(hot.statement, params)]
    driver = await _driver(session)
    if (due := _due(driver.connection.sync_connection)) is not None:  # type: ignore[arg-type]
        await due.flush(alone=False)
    return await driver.rows(hot, params)


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


def remember(session: AsyncSession, hot: Hot, params: Mapping[str, Any],
             row: tuple[Any, ...] | None) -> None:
    """`row` is what `first(session, hot, params)` would read now: it was read along with
    another statement's. The next such `first` takes it instead of reading, once."""
    session.sync_session.info.setdefault(AHEAD, {})[_ahead_key(hot, params)] = row


def _ahead_key(hot: Hot, params: Mapping[str, Any]) -> tuple[int, tuple[Any, ...]]:
    return id(hot), tuple(sorted(params.items()))


async def defer(session: AsyncSession, collect: Callable[[], list[Write]]) -> None:
    """Have `collect` give its writes when they are due: before the connection's next
    statement, or at the commit. Once per collector until then."""
    driver = await _driver(session)
    if collect not in driver.collectors:
        driver.collectors.append(collect)
    driver.connection.sync_connection.info[PENDING] = driver  # type: ignore[union-attr]


def install(engine: AsyncEngine) -> None:
    """Run deferred writes before any other statement, and at the commit; drop them on
    rollback."""
    sync = engine.sync_engine
    event.listen(sync, "before_cursor_execute", _before_statement)
    event.listen(sync, "commit", _before_commit)
    event.listen(sync, "rollback", _on_rollback)


def _due(connection: Connection) -> _Driver | None:
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
