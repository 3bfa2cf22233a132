"""The audit trail: every change to a report or action is recorded with who made it.

Set ``session.info["actor"] = (admin_user_id, email)`` before changing reports or actions;
a flush with audited changes and no actor raises MissingActorError. New reports are not
audited (the bot creates them, and the report itself is the record).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import InstanceState, Mapper, ORMExecuteState, Session, UOWTransaction

from storage.models import Action, AuditEntry, Report, ReportFactor, ReportTold

SKIPPED = frozenset({"created_at", "updated_at"})
# Collections audited as one field each: their rows' names, comma-joined and sorted.
COLLECTIONS = {"factors": "factor", "told": "party"}
APPEND_ONLY = "audit log is append-only"
_GUARDED = (Report, Action, ReportFactor, ReportTold, AuditEntry)
_NOT_LOADED = object()


class MissingActorError(RuntimeError):
    """An audited change was flushed without session.info["actor"]."""


class AppendOnlyError(RuntimeError):
    """Something tried to change or remove an audit entry."""


class UnauditedWriteError(RuntimeError):
    """A bulk UPDATE or DELETE would change audited rows behind the trail's back."""


def install_audit() -> None:
    """Attach the audit listeners to every Session (sync and async alike); safe to repeat."""
    # On Session itself rather than one sessionmaker's class: a session made elsewhere
    # (SQLAdmin, a script) cannot slip past the trail by not opting in.
    listeners = (
        (Session, "before_flush", _before_flush),
        (Session, "after_flush", _after_flush),
        (Session, "do_orm_execute", _refuse_bulk_writes),
        (AuditEntry, "before_update", _refuse_change),
        (AuditEntry, "before_delete", _refuse_change),
    )
    for target, name, listener in listeners:
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)


def display(value: Any) -> str | None:
    """Render a value as the audit log stores it: None, yes/no, ISO dates, or text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return str(value)


def _before_flush(session: Session, context: UOWTransaction, instances: Any) -> None:
    """Add an AuditEntry for each changed field, deleted object and created action."""
    entries = [e for obj in session.dirty for e in _changes(session, obj)]
    entries += [e for obj in session.deleted for e in _deletion(obj)]
    created = any(isinstance(obj, Action) for obj in session.new)
    if not entries and not created:
        return
    actor_id, actor = _actor(session)
    for entry in entries:
        session.add(AuditEntry(actor_id=actor_id, actor=actor, **entry))


def _after_flush(session: Session, context: UOWTransaction) -> None:
    """Record created actions, now that the flush has given them ids."""
    rows = [
        {"entity": "action", "entity_id": obj.id, "report_id": obj.report_id,
         "field": "description", "before": None, "after": obj.description}
        for obj in session.new
        if isinstance(obj, Action)
    ]
    if rows:
        actor_id, actor = _actor(session)
        # Core, on the flush's own connection: the entries land in this very flush.
        session.connection().execute(
            insert(AuditEntry), [{**row, "actor_id": actor_id, "actor": actor} for row in rows]
        )


def _changes(session: Session, obj: object) -> list[dict[str, Any]]:
    """Return the audit entries of one modified report or action."""
    if not isinstance(obj, Report | Action):
        return []
    state: InstanceState[Any] = inspect(obj)
    columns = _column_changes(session, state)
    fields = {key: (display(b), display(a)) for key, (b, a) in columns.items()}
    if isinstance(obj, Report):
        fields.update(_collection_changes(state))
    return [_entry(obj, field, before, after)
            for field, (before, after) in fields.items() if before != after]


def _column_changes(session: Session, state: InstanceState[Any]) -> dict[str, tuple[Any, Any]]:
    """Return (before, after) of each changed column, the timestamps aside."""
    changed = {}
    for prop in state.mapper.column_attrs:
        history = state.attrs[prop.key].history
        if prop.key not in SKIPPED and history.added:
            before = history.deleted[0] if history.deleted else _NOT_LOADED
            changed[prop.key] = (before, history.added[0])
    unknown = [key for key, (before, _) in changed.items() if before is _NOT_LOADED]
    if unknown:
        # Set on an expired object, so the old value was never loaded: ask the database.
        stored = _stored(session, state, unknown)
        changed.update({key: (stored[key], changed[key][1]) for key in unknown})
    return changed


def _collection_changes(state: InstanceState[Any]) -> dict[str, tuple[str | None, str | None]]:
    """Return the changed collections of a report as comma-joined sorted names."""
    changes = {}
    for key, name in COLLECTIONS.items():
        history = state.attrs[key].history
        if history.added or history.deleted:
            kept = [getattr(row, name) for row in history.unchanged]
            before = _joined(kept + [getattr(row, name) for row in history.deleted])
            after = _joined(kept + [getattr(row, name) for row in history.added])
            changes[key] = (before, after)
    return changes


def _deletion(obj: Any) -> list[dict[str, Any]]:
    """Return the audit entry of a deleted report or action."""
    if isinstance(obj, Action):
        return [_entry(obj, "deleted", obj.description, None)]
    if isinstance(obj, Report):
        return [_entry(obj, "deleted", obj.reference, None)]
    return []


def _entry(obj: Report | Action, field: str, before: Any, after: Any) -> dict[str, Any]:
    """Return the columns of one audit entry about a report or action."""
    if isinstance(obj, Report):
        where = {"entity": "report", "entity_id": obj.id, "report_id": obj.id}
    else:
        where = {"entity": "action", "entity_id": obj.id, "report_id": obj.report_id}
    return {**where, "field": field, "before": before, "after": after}


def _stored(session: Session, state: InstanceState[Any], keys: list[str]) -> dict[str, Any]:
    """Return the values of some columns as the database holds them."""
    columns = [state.mapper.columns[key] for key in keys]
    (pk,) = state.mapper.primary_key
    assert state.identity is not None  # a changed object is persistent: it has its key
    query = select(*columns).where(pk == state.identity[0])
    row = session.connection().execute(query).one()
    return dict(zip(keys, row, strict=True))


def _actor(session: Session) -> tuple[int | None, str]:
    """Return the (id, email) that session.info names as the actor, or refuse."""
    actor = session.info.get("actor")
    if not (
        isinstance(actor, tuple)
        and len(actor) == 2
        and (actor[0] is None or isinstance(actor[0], int))
        and isinstance(actor[1], str)
        and actor[1].strip()
    ):
        raise MissingActorError(
            'reports and actions are audited: set session.info["actor"] = '
            "(admin_user_id, email) before changing them"
        )
    return actor[0], actor[1]


def _refuse_change(mapper: Mapper[Any], connection: Any, target: AuditEntry) -> None:
    """Refuse to update or delete an audit entry."""
    raise AppendOnlyError(APPEND_ONLY)


def _refuse_bulk_writes(state: ORMExecuteState) -> None:
    """Refuse ORM bulk UPDATE/DELETE statements on audited tables: they skip the flush."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    cls = state.bind_mapper.class_
    if cls is AuditEntry:
        raise AppendOnlyError(APPEND_ONLY)
    if issubclass(cls, _GUARDED):
        verb = "UPDATE" if state.is_update else "DELETE"
        raise UnauditedWriteError(f"a bulk {verb} of {cls.__name__} would bypass the audit trail")


def _joined(names: Iterable[str]) -> str | None:
    """Join names sorted and de-duplicated; None for an empty collection."""
    return ", ".join(sorted(set(names))) or None
