"""Escalations as the admin shows them: newest first, each contact's delivery from the outbox.

The outbox rows are the truth about delivery: a contact who never started the bot shows as
a failed row with Telegram's reason, so nothing is silently lost. Rows are read per batch
f"escalation:{id}" (the first message; its follow-up with the reference is "...:report").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from admin.roles import CurrentUser
from storage.models import Escalation, OutboxMessage, Report, Team, TeamContact


@dataclass(frozen=True)
class Delivery:
    """The escalation message to one contact: pending, sent (when) or failed (why)."""

    chat_id: int
    contact: str | None  # the contact's name; None when nobody is set up with that number now
    role: str | None
    state: str  # "pending", "sent" or "failed"
    sent_at: datetime | None
    error: str | None  # the failure, or the last error of a message still being retried


@dataclass(frozen=True)
class EscalationRow:
    """One escalation with its team, its report's reference once submitted, and deliveries."""

    escalation: Escalation
    team: str
    reference: str | None
    deliveries: tuple[Delivery, ...]


def batch_of(escalation_id: int) -> str:
    """The outbox batch of an escalation's first message (as EscalationRepository writes it)."""
    return f"escalation:{escalation_id}"


def _in_scope(query: Select[Any], scope: tuple[int, ...] | None) -> Select[Any]:
    return query if scope is None else query.where(Escalation.team_id.in_(scope))


async def unacknowledged(session: AsyncSession, scope: tuple[int, ...] | None) -> int:
    """How many escalations of these teams (None: all) nobody has acknowledged yet."""
    query = select(func.count(Escalation.id)).where(Escalation.acknowledged_at.is_(None))
    return await session.scalar(_in_scope(query, scope)) or 0


async def open_escalations(session: AsyncSession, user: CurrentUser) -> int:
    """The banner's count on the reports list and dashboard: 0 for those who cannot act."""
    return await unacknowledged(session, user.scope) if user.can("escalations") else 0


async def in_scope(session: AsyncSession, escalation_id: int,
                   scope: tuple[int, ...] | None) -> Escalation | None:
    """The escalation, or None when it does not exist or belongs to another team."""
    escalation = await session.get(Escalation, escalation_id)
    if escalation is None or (scope is not None and escalation.team_id not in scope):
        return None
    return escalation


async def list_escalations(session: AsyncSession, scope: tuple[int, ...] | None, *,
                           page: int = 1, per_page: int = 50) -> tuple[list[EscalationRow], int]:
    """One page of escalations of these teams, newest first, and how many there are."""
    query = (select(Escalation, Team.name, Report.reference)
             .join(Team, Team.id == Escalation.team_id)
             .outerjoin(Report, Report.id == Escalation.report_id)
             .order_by(Escalation.created_at.desc(), Escalation.id.desc())
             .limit(per_page).offset((max(page, 1) - 1) * per_page))
    rows = (await session.execute(_in_scope(query, scope))).tuples().all()
    total = await session.scalar(_in_scope(select(func.count(Escalation.id)), scope)) or 0
    escalations = [row[0] for row in rows]
    deliveries = await _deliveries(session, escalations)
    return [EscalationRow(escalation, team, reference, deliveries.get(escalation.id, ()))
            for escalation, team, reference in rows], total


def acknowledge(escalation: Escalation, *, by: str, now: datetime) -> bool:
    """Record who acknowledged it and when; False when someone already had."""
    if escalation.acknowledged_at is not None:
        return False
    escalation.acknowledged_at, escalation.acknowledged_by = now, by
    return True


async def _deliveries(session: AsyncSession, escalations: Sequence[Escalation]
                      ) -> dict[int, tuple[Delivery, ...]]:
    if not escalations:
        return {}
    by_batch = {batch_of(e.id): e for e in escalations}
    teams = {e.id: e.team_id for e in escalations}
    rows = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.batch.in_(by_batch))
        .order_by(OutboxMessage.batch, OutboxMessage.chat_id, OutboxMessage.part))
    contacts = await session.scalars(select(TeamContact).where(
        TeamContact.team_id.in_({e.team_id for e in escalations})).order_by(TeamContact.id))
    names: dict[tuple[int, int], TeamContact] = {}
    for known in contacts:
        names.setdefault((known.team_id, known.telegram_user_id), known)
    parts: dict[tuple[int, int], list[OutboxMessage]] = {}
    for row in rows:
        parts.setdefault((by_batch[row.batch].id, row.chat_id), []).append(row)
    result: dict[int, list[Delivery]] = {}
    for (escalation_id, chat_id), messages in parts.items():
        contact = names.get((teams[escalation_id], chat_id))
        result.setdefault(escalation_id, []).append(_delivery(chat_id, contact, messages))
    return {key: tuple(value) for key, value in result.items()}


def _delivery(chat_id: int, contact: TeamContact | None,
              messages: list[OutboxMessage]) -> Delivery:
    """Failed if any part failed, sent when every part was sent, otherwise pending."""
    failed = next((m for m in messages if m.status == "failed"), None)
    if failed is not None:
        state, error = "failed", failed.error
    elif all(m.status == "sent" for m in messages):
        state, error = "sent", None
    else:
        state, error = "pending", next((m.error for m in messages if m.error), None)
    sent = [m.sent_at for m in messages if m.sent_at is not None]
    return Delivery(chat_id=chat_id, contact=contact.name if contact else None,
                    role=contact.role if contact else None, state=state,
                    sent_at=max(sent) if state == "sent" and sent else None, error=error)
