"""Hot statements on the wire: compiled once per dialect, sent straight to the driver
connection, on a session's own (`Driver`) or on one borrowed from the pool (`Raw`).
What they are for, and when each way is taken: storage/hot/__init__.py."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy import Column, Table, bindparam, insert
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import Select, TextualSelect, UpdateBase
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault
from sqlalchemy.sql.selectable import ReturnsRows
from sqlalchemy.util import greenlet_spawn

from storage.hot.pool import pool_for

Processor = Callable[[Any], Any] | None
Statement = Select[Any] | TextualSelect | UpdateBase  # a SELECT (built or written), or a write


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters, in the order the SQL takes them
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]


class Hot:
    """A statement compiled once per dialect, to run on the driver connection."""

    def __init__(self, statement: Statement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _compile(self.statement, dialect)
        return compiled


def _compile(statement: Statement, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    if not isinstance(compiled, SQLCompiler):  # a statement compiles with the SQL compiler
        raise TypeError(f"{type(statement).__name__} did not compile to SQL")
    names = tuple(compiled.positiontup or ())
    binds = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in names)
    # A SELECT's columns, or an INSERT's RETURNING ones.
    columns = statement.exported_columns if isinstance(statement, ReturnsRows) else ()
    results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                    for column in columns)
    return _Compiled(str(compiled), names, binds, results)


class Insert(Hot):
    """An INSERT of the given columns, and of each other column's own Python-side default:
    `values` fills those in as SQLAlchemy's execution would (a constant, or a function such as
    the time now). Columns with neither take their server default, as they would there."""

    def __init__(self, table: Table, columns: Collection[str],
                 returning: Sequence[Column[Any]] = ()) -> None:
        self._defaults = {
            column.key: column.default for column in table.columns
            if column.key not in columns
            and isinstance(column.default, ScalarElementColumnDefault | CallableColumnDefault)}
        statement = insert(table).values({
            name: bindparam(name, type_=table.columns[name].type)
            for name in (*columns, *self._defaults)})
        super().__init__(statement.returning(*returning) if returning else statement)

    def values(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The statement's parameters: `given`, and the defaults of the other columns."""
        # A callable default takes SQLAlchemy's execution context, and there is none here:
        # SQLAlchemy wraps a default of no arguments (all of ours) to take one it never reads.
        defaults = {name: default.arg(None)  # type: ignore[arg-type]
                    if isinstance(default, CallableColumnDefault) else default.arg
                    for name, default in self._defaults.items()}
        return {**defaults, **given}


# What a statement breaking a constraint raises: through SQLAlchemy, or from either driver.
INTEGRITY_ERRORS = (IntegrityError, asyncpg.IntegrityConstraintViolationError,
                    sqlite3.IntegrityError)
_savepoints = itertools.count(1)


# A deferred write: the statement, its parameters, and what to run instead if it changed no
# row (an UPDATE of a row deleted meanwhile), or None.
Write = tuple[Hot, Mapping[str, Any], "tuple[Hot, Mapping[str, Any]] | None"]
Collector = Callable[[], list[Write]]  # gives the writes deferred by one of the update's parts


class Deferring:
    """Holds the collectors of writes deferred until due."""

    collectors: list[Collector]

    def _take(self) -> list[Write]:
        """The deferred writes, now due: each collector gives its own, in order, once."""
        collectors, self.collectors = self.collectors, []
        return [write for collect in collectors for write in collect()]


class Wire:
    """Sends hot statements to a driver connection: asyncpg's, or aiosqlite's."""

    dialect: Dialect
    driver: Any

    @property
    def postgresql(self) -> bool:
        return self.dialect.name == "postgresql"

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
                await self._invalidate()
            raise

    async def _invalidate(self) -> None:
        """Tell the pool the connection is dead (`_borrowed` does it for a borrowed one)."""

    async def begin(self) -> None:
        """Make sure the connection is in its transaction (a savepoint needs one)."""

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Statements that are undone together if the block fails, leaving the transaction
        as it was before them (and usable): losing a race on a unique key, say."""
        await self.begin()
        name = f"hot_{next(_savepoints)}"
        await self._plain(f"SAVEPOINT {name}")
        try:
            yield
        except Exception:  # a cancellation ends the whole transaction anyway
            await self._plain(f"ROLLBACK TO SAVEPOINT {name}")
            raise
        await self._plain(f"RELEASE SAVEPOINT {name}")

    async def _plain(self, sql: str) -> None:
        if self.postgresql:
            await self.driver.execute(sql)
        else:
            await (await self.driver.execute(sql)).close()

    def _bound(self, hot: Hot, params: Mapping[str, Any]) -> tuple[_Compiled, list[Any]]:
        compiled = hot.compiled(self.dialect)
        return compiled, [value if process is None else process(value)
                          for process, value in zip(compiled.binds,
                                                    (params[n] for n in compiled.names),
                                                    strict=True)]

    async def _run_writes(self, writes: list[Write]) -> None:
        for hot, params, otherwise in writes:
            if not await self.run(hot, params) and otherwise is not None:
                await self.run(*otherwise)


@dataclass
class Driver(Wire, Deferring):
    """A session's connection for one of its transactions, as the driver sees it."""

    transaction: SessionTransaction
    connection: Connection
    dialect: Dialect
    adapted: Any  # SQLAlchemy's DBAPI adapter around the driver connection
    driver: Any
    # Collects the deferred writes when they are due (each collector once, in order).
    collectors: list[Collector] = field(default_factory=list)

    @classmethod
    def on(cls, transaction: SessionTransaction, connection: Connection) -> Driver:
        fairy = connection.connection
        return cls(transaction, connection, connection.dialect, fairy.dbapi_connection,
                   fairy.driver_connection)

    async def begin(self) -> None:
        # SQLAlchemy's asyncpg adapter begins at its own first statement, and ours go past it;
        # SQLite's transaction began with the session's connection (storage/db.py).
        if self.postgresql and not self.adapted._started:
            await self.adapted._start_transaction()

    async def _invalidate(self) -> None:
        await greenlet_spawn(self.connection.invalidate)

    async def flush(self, *, alone: bool) -> None:
        """Run the deferred writes; with `alone` (the commit) a single one runs by itself."""
        writes = self._take()
        if not writes:
            return
        if not (alone and len(writes) == 1):
            await self.begin()
        await self._run_writes(writes)


@dataclass
class Held(Wire):
    """A connection borrowed from the hot pool, for as long as `Raw` holds it."""

    dialect: Dialect
    driver: Any


@dataclass
class Raw(Deferring):
    """A session's hot statements on PostgreSQL while it has no transaction: each borrows a
    connection from the engine's hot pool (pool.py) for itself (a read), for the writes
    deferred until the commit, or for a `transaction`. Never held across anything else, so
    an update never waits for a connection while holding one."""

    engine: AsyncEngine
    dialect: Dialect
    collectors: list[Collector] = field(default_factory=list)

    async def rows(self, hot: Hot, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        async with self._borrowed() as held:
            return await held.rows(hot, params)

    async def commit(self) -> None:
        """Run the deferred writes: one by itself, more in a transaction of their own."""
        writes = self._take()
        if len(writes) == 1:
            async with self._borrowed() as held:
                await held._run_writes(writes)
        elif writes:
            async with self._transaction(writes):
                pass

    def transaction(self) -> AbstractAsyncContextManager[Held]:
        """A connection in a transaction of its own, committed when the block ends: the
        writes deferred so far run first, in it."""
        return self._transaction(self._take())

    @asynccontextmanager
    async def _transaction(self, writes: list[Write]) -> AsyncIterator[Held]:
        async with self._borrowed() as held, held.driver.transaction():
            await held._run_writes(writes)
            yield held

    @asynccontextmanager
    async def _borrowed(self) -> AsyncIterator[Held]:
        pool = await pool_for(self.engine)
        connection = await pool.acquire()
        try:
            yield Held(self.dialect, connection)
        except BaseException:
            # Whatever failed (the server, a cancelled statement, a rollback), the connection
            # is not handed on in a state nobody checked: the pool opens a new one instead.
            connection.terminate()
            raise
        finally:
            await pool.release(connection)


def _row(compiled: _Compiled, row: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(value if process is None else process(value)
                 for process, value in zip(compiled.results, row, strict=True))
