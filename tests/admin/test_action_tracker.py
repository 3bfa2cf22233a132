"""The action tracker and My actions: order, filters, team scope, owners and re-audits."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Action, AdminUser, AuditEntry
from storage.repositories import ActionRepository
from tests.admin.conftest import World

TODAY = date.today()


def _days(n: int) -> date:
    return TODAY + timedelta(days=n)


def _listed(page: str) -> list[int]:
    """The action ids in the tracker's table, top to bottom."""
    [table] = re.findall(r'<table[^>]*id="actions-table".*?</table>', page, flags=re.S)
    return [int(found) for found in re.findall(r'<tr id="action-(\d+)"', table)]


async def _user_id(sessionmaker: async_sessionmaker[AsyncSession], email: str) -> int:
    async with sessionmaker() as session:
        return (await session.scalars(select(AdminUser.id).where(AdminUser.email == email))).one()


async def _add(sessionmaker: async_sessionmaker[AsyncSession], report_id: int, description: str,
               *, due: date | None = None, status: str = "open", completed: date | None = None,
               owner_user_id: int | None = None, recheck_by: date | None = None) -> int:
    async with sessionmaker() as session:
        session.info["actor"] = (None, "test-setup")
        actions = ActionRepository(session)
        action = await actions.create(report_id=report_id, description=description,
                                      owner="Someone", due_date=due,
                                      owner_user_id=owner_user_id, recheck_by=recheck_by)
        if status != "open":
            await actions.update(action, today=TODAY, status=status, completed_date=completed)
        await session.commit()
        return action.id


async def _get(sessionmaker: async_sessionmaker[AsyncSession], action_id: int) -> Action:
    async with sessionmaker() as session:
        action = await session.get(Action, action_id)
        assert action is not None
        return action


async def test_overdue_come_first_then_open_by_due_date_then_finished_newest_first(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    report = world.report_a
    not_doing = await _add(sessionmaker, report, "Not doing", status="not_doing")
    old_done = await _add(sessionmaker, report, "Done long ago", due=_days(-30), status="done",
                          completed=_days(-10))
    undated = await _add(sessionmaker, report, "Open, no date")
    later = await _add(sessionmaker, report, "Open, due later", due=_days(9))
    sooner = await _add(sessionmaker, report, "Open, due soon", due=_days(3))
    recent_done = await _add(sessionmaker, report, "Done lately", due=_days(-3), status="done",
                             completed=_days(-2))
    very_late = await _add(sessionmaker, report, "Very late", due=_days(-5))
    admin = await as_role("admin")
    page = (await admin.get("/admin/actions")).text
    assert _listed(page) == [very_late, world.action_a, sooner, later, undated, recent_done,
                             old_done, not_doing]


async def test_headings_are_plain_words_and_rows_link_to_the_report_page(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _add(sessionmaker, world.report_a, "Not doing", status="not_doing")
    page = (await (await as_role("reviewer")).get("/admin/actions")).text
    [head] = re.findall(r"<thead>.*?</thead>", page, flags=re.S)
    for heading in ("Action", "Report", "Team", "Owner", "Due", "Status", "Completed on",
                    "Check it worked by"):
        assert f"<th>{heading}</th>" in head
    for raw in ("due_date", "not_doing", "completed_date", "owner_user_id"):
        assert raw not in page.split('id="actions-table"')[1]
    assert "Not doing" in page and "Overdue" in page
    assert (f'href="http://testserver/admin/reports/{world.report_a}#action-{world.action_a}"'
            in page)


async def test_a_reviewer_sees_only_the_actions_of_their_teams(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    other = await _add(sessionmaker, world.report_b, "Oak Lodge hoist check", due=_days(-1))
    reviewer = await as_role("reviewer")
    page = (await reviewer.get("/admin/actions")).text
    assert _listed(page) == [world.action_a]
    assert "Oak Lodge hoist check" not in page
    forged = (await reviewer.get(f"/admin/actions?team={world.team_b}")).text
    assert _listed(forged) == [] and "No actions match these filters." in forged
    admin = (await (await as_role("admin")).get("/admin/actions")).text
    assert set(_listed(admin)) == {world.action_a, other}


async def test_filters_narrow_by_owner_status_team_and_due_date(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    reviewer_id = await _user_id(sessionmaker, "reviewer@example.org")
    mine = await _add(sessionmaker, world.report_a, "Mine", due=_days(5),
                      owner_user_id=reviewer_id)
    done = await _add(sessionmaker, world.report_a, "Done", due=_days(-8), status="done")
    oak = await _add(sessionmaker, world.report_b, "Oak", due=_days(20))
    admin = await as_role("admin")

    async def listed(query: str) -> list[int]:
        response = await admin.get(f"/admin/actions?{query}")
        assert response.status_code == 200, response.text[:300]
        return _listed(response.text)

    assert await listed(f"owner={reviewer_id}") == [mine]
    assert await listed("status=overdue") == [world.action_a]
    assert await listed("status=open") == [world.action_a, mine, oak]
    assert await listed("status=done") == [done]
    assert await listed(f"team={world.team_b}") == [oak]
    assert await listed(f"due_from={_days(0)}&due_to={_days(10)}") == [mine]
    assert await listed(f"due_to={_days(-2)}") == [done]
    assert await listed("owner=&status=&team=&due_from=&due_to=") == [world.action_a, mine,
                                                                      oak, done]


@pytest.mark.parametrize(("query", "message"), [
    ("team=abc", "Choose a team from the list."),
    ("owner=me", "Choose an owner from the list."),
    ("status=late", "Choose a status from the list."),
    ("status=not_doing%00", "Choose a status from the list."),
    ("due_from=2026-13-01", "Dates must be real dates from 2000-01-01 to 2100-12-31"),
    ("due_to=yesterday", "Dates must be real dates from 2000-01-01 to 2100-12-31"),
    ("due_from=2026-02-01&due_to=2026-01-01", "The start date must be on or before the end"),
    ("page=-1", "The page number must be a whole number from 1"),
    ("team=99999999999999999999", "Choose a team from the list."),
])
async def test_a_bad_filter_value_gets_a_400_that_says_what_is_wrong(
        as_role, world: World, query: str, message: str) -> None:
    for path in ("/admin/actions", "/admin/actions/mine"):
        response = await (await as_role("reviewer")).get(f"{path}?{query}")
        assert response.status_code == 400
        assert message in response.text


async def test_an_owner_chosen_from_the_users_finds_the_action_in_my_actions(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    reviewer_id = await _user_id(sessionmaker, "reviewer@example.org")
    reviewer = await as_role("reviewer")
    page = (await reviewer.get(f"/admin/reports/{world.report_a}")).text
    assert f'<option value="{reviewer_id}">reviewer@example.org</option>' in page
    assert "viewer@example.org</option>" not in page.replace("reviewer@example.org", "")
    added = await reviewer.post(f"/admin/reports/{world.report_a}/actions", {
        "description": "Re-train on the MAR chart", "owner_user_id": str(reviewer_id),
        "owner": "", "due_date": _days(7).isoformat()})
    assert added.status_code == 303
    async with sessionmaker() as session:
        action = (await session.scalars(select(Action).where(
            Action.description == "Re-train on the MAR chart"))).one()
    assert (action.owner_user_id, action.owner) == (reviewer_id, "reviewer@example.org")
    mine = (await reviewer.get("/admin/actions/mine")).text
    assert _listed(mine) == [action.id]
    assert 'id="owner"' not in mine  # the owner is fixed on My actions
    assert _listed((await (await as_role("admin")).get("/admin/actions/mine")).text) == []


async def test_an_owner_who_cannot_work_on_the_team_is_refused_and_nothing_is_added(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    viewer_id = await _user_id(sessionmaker, "viewer@example.org")
    reviewer_id = await _user_id(sessionmaker, "reviewer@example.org")
    admin = await as_role("admin")
    for report, owner in ((world.report_a, viewer_id), (world.report_b, reviewer_id),
                          (world.report_a, 424242)):
        response = await admin.post(f"/admin/reports/{report}/actions", {
            "description": "Should not be added", "owner_user_id": str(owner)})
        assert response.status_code == 303
        page = (await admin.get(response.headers["location"])).text
        assert "Choose the owner from the list, or type the name of someone else." in page
    both = await admin.post(f"/admin/reports/{world.report_a}/actions", {
        "description": "Should not be added", "owner_user_id": str(reviewer_id),
        "owner": "Deputy manager"})
    assert "not both" in (await admin.get(both.headers["location"])).text
    async with sessionmaker() as session:
        assert not list(await session.scalars(select(Action).where(
            Action.description == "Should not be added")))


async def test_a_free_text_owner_is_kept_for_someone_outside_the_panel(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    reviewer = await as_role("reviewer")
    await reviewer.post(f"/admin/reports/{world.report_a}/actions", {
        "description": "Call the pharmacy", "owner_user_id": "", "owner": "Pharmacist"})
    page = (await reviewer.get("/admin/actions")).text
    assert "Call the pharmacy" in page and "<td>Pharmacist</td>" in page


async def test_a_reaudit_is_listed_when_due_and_its_outcome_recorded_with_who_and_when(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    reviewer_id = await _user_id(sessionmaker, "reviewer@example.org")
    due = await _add(sessionmaker, world.report_a, "Colour-coded pots", status="done",
                     completed=_days(-20), recheck_by=_days(-1), owner_user_id=reviewer_id)
    not_yet = await _add(sessionmaker, world.report_a, "Second signature", status="done",
                         completed=_days(-2), recheck_by=_days(30))
    reviewer = await as_role("reviewer")
    for path in ("/admin/actions", "/admin/actions/mine"):
        page = (await reviewer.get(path)).text
        assert f'id="recheck-{due}"' in page and f'id="recheck-{not_yet}"' not in page
    assert _listed((await reviewer.get("/admin/actions?status=recheck_due")).text) == [due]

    empty = await reviewer.post(f"/admin/actions/{due}/recheck",
                                {"recheck_outcome": "  ", "back": "actions"})
    assert empty.headers["location"] == "http://testserver/admin/actions"
    assert "Write what the re-audit found" in (await reviewer.get("/admin/actions")).text
    assert (await _get(sessionmaker, due)).rechecked_at is None

    recorded = await reviewer.post(f"/admin/actions/{due}/recheck", {
        "recheck_outcome": "No mix-ups in 30 days of MAR audits", "back": "https://evil.test"})
    assert recorded.headers["location"] == (
        f"http://testserver/admin/reports/{world.report_a}")
    action = await _get(sessionmaker, due)
    assert action.recheck_outcome == "No mix-ups in 30 days of MAR audits"
    assert action.rechecked_by == "reviewer@example.org" and action.rechecked_at is not None
    page = (await reviewer.get(f"/admin/reports/{world.report_a}")).text
    assert "Re-audit by reviewer@example.org on" in page
    assert 'id="rechecks-due"' not in (await reviewer.get("/admin/actions")).text
    async with sessionmaker() as session:
        fields = set(await session.scalars(select(AuditEntry.field).where(
            AuditEntry.entity == "action", AuditEntry.entity_id == due)))
    assert {"recheck_outcome", "rechecked_by"} <= fields


async def test_a_reaudit_date_is_set_on_the_report_page(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    reviewer = await as_role("reviewer")
    await reviewer.post(f"/admin/actions/{world.action_a}", {
        "status": "done", "recheck_by": _days(14).isoformat(), "owner_user_id": ""})
    action = await _get(sessionmaker, world.action_a)
    assert (action.status, action.recheck_by, action.owner) == ("done", _days(14),
                                                                "Deputy manager")
    outside = await reviewer.post(f"/admin/actions/{world.action_a}/recheck",
                                  {"recheck_outcome": "x"})
    assert outside.status_code == 303  # its own team: allowed, though not due yet
    oak = await _add(sessionmaker, world.report_b, "Oak", status="done", recheck_by=_days(-1))
    hidden = await reviewer.post(f"/admin/actions/{oak}/recheck", {"recheck_outcome": "x"})
    assert hidden.status_code == 404
    assert (await _get(sessionmaker, oak)).rechecked_at is None
