"""A TCP proxy on 127.0.0.1 that a test can cut: the database "goes away" for one process only.

database_outage(url) wraps it for either backend: on SQLite another connection's write lock.

The suite's own PostgreSQL server must keep running (every other test uses it), so the outage
drill points the bot's DATABASE_URL here instead and breaks this link:

    async with TcpProxy("127.0.0.1", 5432) as proxy:
        url = make_url(database_url).set(port=proxy.port)
        proxy.cut()      # open connections reset, new ones refused (reset on accept)
        proxy.restore()  # forwarding again
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator

from sqlalchemy.engine import make_url

from storage.db import sqlite_path


class TcpProxy:
    """Forwards each connection to the upstream; cut() breaks them all until restore()."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self.is_cut = False
        self.refused = 0  # connections reset on accept while cut, for the drill's figures
        self._server: asyncio.Server | None = None
        self._links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        self._break_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> TcpProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def cut(self) -> None:
        """Reset every open connection and every new one, as a crashed server or a broken
        network would: the client sees its connection die, and reconnecting fails."""
        self.is_cut = True
        self._break_all()

    def restore(self) -> None:
        self.is_cut = False

    async def _accept(self, client_reader: asyncio.StreamReader,
                      client_writer: asyncio.StreamWriter) -> None:
        if self.is_cut:
            self.refused += 1
            client_writer.transport.abort()  # RST: "connection reset by peer"
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.transport.abort()
            return
        link = (client_writer, upstream_writer)
        self._links.add(link)
        pipes = [asyncio.create_task(_pipe(client_reader, upstream_writer)),
                 asyncio.create_task(_pipe(upstream_reader, client_writer))]
        try:
            # Either side closing ends the link: PostgreSQL's protocol has no half-close.
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pipe in pipes:
                pipe.cancel()
            self._links.discard(link)
            for writer in link:
                writer.transport.abort()

    def _break_all(self) -> None:
        for link in list(self._links):
            for writer in link:
                writer.transport.abort()
        self._links.clear()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()


class DatabaseOutage:
    """Takes the bot's database away and gives it back; the test's own connections stay."""

    def __init__(self, database_url: str, proxy: TcpProxy | None) -> None:
        self.database_url, self.proxy = database_url, proxy
        self._lock: sqlite3.Connection | None = None

    @property
    def bot_url(self) -> str:
        """The URL the bot process gets: through the proxy on PostgreSQL."""
        if self.proxy is None:
            return self.database_url
        url = make_url(self.database_url).set(host="127.0.0.1", port=self.proxy.port)
        return url.render_as_string(hide_password=False)

    async def cut(self) -> None:
        if self.proxy is not None:
            self.proxy.cut()
            return
        path = sqlite_path(self.database_url)
        assert path is not None
        # Another process's write transaction: the bot's writes wait out busy_timeout.
        self._lock = sqlite3.connect(path, timeout=30, isolation_level=None,
                                     check_same_thread=False)
        await asyncio.to_thread(self._lock.execute, "BEGIN EXCLUSIVE")

    async def restore(self) -> None:
        if self.proxy is not None:
            self.proxy.restore()
        elif self._lock is not None:
            self._lock.execute("ROLLBACK")
            self._lock.close()
            self._lock = None


@contextlib.asynccontextmanager
async def database_outage(database_url: str) -> AsyncIterator[DatabaseOutage]:
    """A SQLite file's write lock, or a proxy in front of a PostgreSQL server."""
    if sqlite_path(database_url) is not None:
        yield DatabaseOutage(database_url, None)
        return
    url = make_url(database_url)
    async with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        yield DatabaseOutage(database_url, proxy)
