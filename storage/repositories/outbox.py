"""The durable outbox: every outgoing message is a row before it is an HTTP call.

Rows move pending -> sending (claimed by one worker) -> sent | failed, or back to pending
for a retry, a graceful stop (release) or a crashed worker (recover_stale).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from core.split import split_message
from storage.dialects import upsert_insert
from storage.models import OutboxMessage, utcnow

ERROR_LENGTH = 500  # the width of outbox.error
_INSERT_CHUNK = 500


class OutboxRepository:
    """Enqueues, claims and settles outbox rows; the caller commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(
        self, *, batch: str, kind: str, messages: Sequence[tuple[int, bool, str]]
    ) -> None:
        """Write one pending row per (chat, part); rows already there are left alone."""
        now = utcnow()
        rows = [
            {"batch": batch, "kind": kind, "chat_id": chat_id, "is_group": is_group,
             "part": part, "text": text, "status": "pending", "attempts": 0,
             "next_attempt_at": now, "created_at": now}
            for chat_id, is_group, html in messages
            for part, text in enumerate(split_message(html))
        ]
        # Insert-or-ignore: an approval retried after a crash must not fan out twice.
        insert = upsert_insert(self.session, OutboxMessage.__table__)
        statement = insert.on_conflict_do_nothing(index_elements=["batch", "chat_id", "part"])
        for start in range(0, len(rows), _INSERT_CHUNK):
            await self.session.execute(statement, rows[start : start + _INSERT_CHUNK])

    async def claim(
        self, *, worker: str, now: datetime, limit: int
    ) -> builtins.list[OutboxMessage]:
        """Mark up to `limit` due rows as sending for `worker` and return them, oldest first."""
        dialect = self.session.get_bind().dialect.name
        statement = claim_statement(dialect, worker=worker, now=now, limit=limit)
        rows = list(await self.session.scalars(statement))
        return sorted(rows, key=lambda row: (row.next_attempt_at, row.id))

    async def next_due(self) -> datetime | None:
        """Return when the next claimable pending row falls due, or None if there is none."""
        query = select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == "pending", ~_earlier_part_unsent())
        return await self.session.scalar(query)

    async def mark_sent(self, row: OutboxMessage, *, message_id: int, now: datetime) -> None:
        """Record that Telegram accepted the row."""
        await self._set(row, status="sent", telegram_message_id=message_id, sent_at=now,
                        attempts=row.attempts + 1, claimed_by=None, error=None)

    async def mark_retry(self, row: OutboxMessage, *, at: datetime, error: str) -> None:
        """Put the row back to pending, due again at `at`, with one more attempt counted."""
        await self._set(row, status="pending", next_attempt_at=at, attempts=row.attempts + 1,
                        error=error[:ERROR_LENGTH], claimed_by=None, claimed_at=None)

    async def mark_failed(self, row: OutboxMessage, *, error: str) -> None:
        """Give the row up; its later parts are given up too, since they would read wrongly."""
        await self._set(row, status="failed", attempts=row.attempts + 1,
                        error=error[:ERROR_LENGTH], claimed_by=None)
        await self._settle(
            and_(OutboxMessage.batch == row.batch, OutboxMessage.chat_id == row.chat_id,
                 OutboxMessage.part > row.part, OutboxMessage.status == "pending"),
            status="failed", error=f"part {row.part} failed"[:ERROR_LENGTH])

    async def fail_chat(self, *, chat_id: int, error: str) -> int:
        """Give up every unsent row to a chat (the bot was removed or blocked there).

        Rows another worker is sending are included: if Telegram accepts one after all,
        its mark_sent wins.
        """
        return await self._settle(
            and_(OutboxMessage.chat_id == chat_id,
                 OutboxMessage.status.in_(("pending", "sending"))),
            status="failed", error=error[:ERROR_LENGTH])

    async def release(self, *, worker: str) -> int:
        """Return the rows `worker` still holds to pending (a graceful stop)."""
        return await self._settle(
            and_(OutboxMessage.status == "sending", OutboxMessage.claimed_by == worker),
            status="pending", claimed_by=None, claimed_at=None)

    async def recover_stale(self, *, older_than: datetime) -> int:
        """Return rows claimed before `older_than` by a worker that died to pending.

        A row Telegram accepted just before the kill was never marked sent, so it is sent
        again: at most the rows that worker had in flight are duplicated.
        """
        return await self._settle(
            and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < older_than),
            status="pending", claimed_by=None, claimed_at=None)

    async def status_counts(self, *, batch: str) -> dict[str, int]:
        """Return how many rows of a batch are in each status."""
        query = (
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.batch == batch)
            .group_by(OutboxMessage.status)
        )
        return {status: count for status, count in await self.session.execute(query)}

    async def failures(self, *, batch: str) -> builtins.list[OutboxMessage]:
        """Return the failed rows of a batch, by chat and part."""
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.batch == batch, OutboxMessage.status == "failed")
            .order_by(OutboxMessage.chat_id, OutboxMessage.part)
        )
        return list(await self.session.scalars(query))

    async def _set(self, row: OutboxMessage, **values: Any) -> None:
        """Update one row by id and mirror the values on the object the caller holds."""
        await self._settle(OutboxMessage.id == row.id, **values)
        for name, value in values.items():
            # Committed, not dirty: the database already has it; a flush must not write again.
            set_committed_value(row, name, value)

    async def _settle(self, where: Any, **values: Any) -> int:
        statement = (
            update(OutboxMessage)
            .where(where)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)


def claim_statement(dialect: str, *, worker: str, now: datetime, limit: int) -> Any:
    """The UPDATE ... WHERE id IN (due rows) RETURNING that claims rows for one worker."""
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
               ~_earlier_part_unsent())
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if dialect == "postgresql":
        # Concurrent workers skip each other's locked rows instead of queueing behind them.
        # A CTE, not "id IN (subquery)": PostgreSQL may rescan an IN subquery, and each
        # rescan skips the rows this UPDATE already locked, so it claimed past the limit.
        due_rows = due.with_for_update(skip_locked=True).cte("due")
        matches = OutboxMessage.id == due_rows.c.id
    else:
        # On SQLite the one UPDATE is atomic and the engine's BEGIN IMMEDIATE serialises
        # writers.
        matches = OutboxMessage.id.in_(due.scalar_subquery())
    return (
        update(OutboxMessage)
        .where(matches, OutboxMessage.status == "pending")
        .values(status="sending", claimed_by=worker, claimed_at=now)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


def _earlier_part_unsent() -> Any:
    """An earlier part of the same message to the same chat is not sent yet: keep the order."""
    earlier = aliased(OutboxMessage)
    return exists().where(
        earlier.batch == OutboxMessage.batch,
        earlier.chat_id == OutboxMessage.chat_id,
        earlier.part < OutboxMessage.part,
        earlier.status != "sent",
    )
