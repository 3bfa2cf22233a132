"""Improvement actions: agreed on a report, updated until done, overdue ones found."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Report
from storage.repositories import ActionRepository, TeamRepository
from tests.storage.builders import store_report

TODAY = date(2026, 3, 20)


async def test_create_list_and_get_actions(curator: AsyncSession, report_id: int) -> None:
    actions = ActionRepository(curator)
    first = await actions.create(report_id=report_id, description=" Label slots ", owner=" Sam ")
    second = await actions.create(
        report_id=report_id, description="Train staff", owner="Lee", due_date=date(2026, 4, 1)
    )

    assert (first.description, first.owner, first.status, first.due_date) == (
        "Label slots", "Sam", "open", None,
    )
    assert await actions.list(report_id=report_id) == [first, second]
    assert await actions.get(action_id=second.id) is second
    assert await actions.get(action_id=999) is None


@pytest.mark.parametrize("field", ["description", "owner"])
async def test_an_action_needs_a_description_and_an_owner(
    curator: AsyncSession, report_id: int, field: str
) -> None:
    fields = {"description": "Label slots", "owner": "Sam", field: "  "}
    with pytest.raises(ValueError, match=field):
        await ActionRepository(curator).create(report_id=report_id, **fields)


async def test_done_without_a_date_is_done_today(curator: AsyncSession, report_id: int) -> None:
    actions = ActionRepository(curator)
    action = await actions.create(report_id=report_id, description="Label slots", owner="Sam")
    await actions.update(action, today=TODAY, status="done", outcome_evidence="Labels on")
    assert (action.status, action.completed_date, action.outcome_evidence) == (
        "done", TODAY, "Labels on",
    )

    other = await actions.create(report_id=report_id, description="Audit", owner="Lee")
    await actions.update(other, today=TODAY, status="done", completed_date=date(2026, 3, 18))
    assert other.completed_date == date(2026, 3, 18)


async def test_update_changes_only_what_is_given(curator: AsyncSession, report_id: int) -> None:
    actions = ActionRepository(curator)
    action = await actions.create(
        report_id=report_id, description="Label slots", owner="Sam", due_date=TODAY
    )
    await actions.update(action, today=TODAY, owner="Lee", due_date=None)
    assert (action.description, action.owner, action.due_date, action.status) == (
        "Label slots", "Lee", None, "open",
    )


async def test_unknown_statuses_are_refused(curator: AsyncSession, report_id: int) -> None:
    actions = ActionRepository(curator)
    action = await actions.create(report_id=report_id, description="Label slots", owner="Sam")
    with pytest.raises(ValueError, match="status"):
        await actions.update(action, today=TODAY, status="finished")
    assert action.status == "open"


async def test_overdue_actions_are_open_and_past_due_most_overdue_first(
    curator: AsyncSession, report_id: int
) -> None:
    report = await curator.get(Report, report_id)
    assert report is not None
    elm = await TeamRepository(curator).create(name="Elm House")
    elm_report = await store_report(curator, elm.id)
    actions = ActionRepository(curator)

    async def action(report: int, due: date | None, status: str = "open") -> int:
        created = await actions.create(report_id=report, description="x", owner="y", due_date=due)
        await actions.update(created, today=TODAY, status=status)
        return created.id

    late = await action(report_id, date(2026, 3, 10))
    later = await action(report_id, date(2026, 3, 1))
    elm_late = await action(elm_report.id, date(2026, 3, 15))
    await action(report_id, TODAY)  # due today: not overdue yet
    await action(report_id, None)  # no due date
    await action(report_id, date(2026, 3, 1), status="done")
    await action(report_id, date(2026, 3, 1), status="not_doing")

    async def overdue(team_ids: tuple[int, ...] | None) -> list[int]:
        return [a.id for a in await actions.overdue(today=TODAY, team_ids=team_ids)]

    assert await overdue(None) == [later, late, elm_late]
    assert await overdue((report.team_id,)) == [later, late]
    assert await overdue((elm.id,)) == [elm_late]
    assert await overdue(()) == []
