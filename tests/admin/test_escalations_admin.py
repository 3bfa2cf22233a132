"""Escalations in the admin: each contact's delivery from the outbox, acknowledgement, scope,
the banner that cannot be missed, and the contacts set-up page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Escalation, OutboxMessage, Report, TeamContact
from tests.admin.conftest import World

RAISED = datetime(2026, 4, 7, 21, 15, tzinfo=UTC)  # 22:15 in London (BST)
FORBIDDEN = "Forbidden: bot can't initiate conversation with a user"
ON_CALL, SAFEGUARDING, GONE = 7_100_000_001, 7_100_000_002, 7_100_000_003


async def _seed(sessionmaker: async_sessionmaker[AsyncSession], world: World) -> dict[str, int]:
    """Team A: one escalation told to two contacts (sent, failed) and a third still pending,
    one with no contact at all; team B: one the reviewer must not see."""
    async with sessionmaker.begin() as session:
        session.add_all([
            TeamContact(team_id=world.team_a, name="Priya (on call)", role="on_call",
                        telegram_user_id=ON_CALL),
            TeamContact(team_id=world.team_a, name="Sam Safeguarding", role="safeguarding",
                        telegram_user_id=SAFEGUARDING)])
        told = Escalation(team_id=world.team_a, draft_key="d-told", someone_harmed=True,
                          report_id=world.report_a, created_at=RAISED)
        nobody = Escalation(team_id=world.team_a, draft_key="d-nobody",
                            safeguarding_concern=True, created_at=RAISED + timedelta(hours=1))
        other = Escalation(team_id=world.team_b, draft_key="d-other", someone_harmed=True,
                           created_at=RAISED)
        session.add_all([told, nobody, other])
        await session.flush()
        batch = f"escalation:{told.id}"
        session.add_all([
            OutboxMessage(batch=batch, kind="escalation", chat_id=ON_CALL, is_group=False,
                          text="Harm reported", status="sent", sent_at=RAISED,
                          telegram_message_id=1),
            OutboxMessage(batch=batch, kind="escalation", chat_id=SAFEGUARDING,
                          is_group=False, text="Harm reported", status="failed",
                          error=FORBIDDEN),
            OutboxMessage(batch=batch, kind="escalation", chat_id=GONE, is_group=False,
                          text="Harm reported", status="pending", error="Timeout"),
            OutboxMessage(batch=f"escalation:{other.id}", kind="escalation", chat_id=ON_CALL,
                          is_group=False, text="Harm reported", status="sent", sent_at=RAISED)])
        return {"told": told.id, "nobody": nobody.id, "other": other.id}


def _row(page: str, escalation_id: int) -> str:
    start = page.index(f'id="escalation-{escalation_id}"')
    return page[start:page.index("</tr>", start)]


async def test_curators_see_each_contacts_delivery_and_missing_contacts(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    ids = await _seed(sessionmaker, world)
    page = (await (await as_role("reviewer")).get("/admin/escalations")).text

    told = _row(page, ids["told"])
    assert "2026-04-07 22:15" in told and "Someone was harmed" in told
    assert f'/admin/reports/{world.report_a}"' in told
    assert "Priya (on call) (On call):" in told and "sent 2026-04-07 22:15" in told
    assert "Sam Safeguarding (Safeguarding):" in told
    assert "not delivered: Forbidden: bot can&#39;t initiate conversation with a user" in told
    assert f"Telegram number {GONE}:" in told and "waiting to be sent" in told
    assert "retrying after: Timeout" in told
    nobody = _row(page, ids["nobody"])
    assert "No contact is set up for this team" in nobody
    assert "Safeguarding concern" in nobody and "Not submitted yet" in nobody
    assert f'id="escalation-{ids["other"]}"' not in page
    assert page.index(f'id="escalation-{ids["nobody"]}"') < page.index(
        f'id="escalation-{ids["told"]}"')  # newest first
    assert 'class="escalation-open"' in told


async def test_acknowledging_records_who_and_clears_the_banner(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    ids = await _seed(sessionmaker, world)
    reviewer = await as_role("reviewer")
    for path in ("/admin/reports", "/admin/dashboard", "/admin/escalations"):
        assert "Escalations not yet acknowledged: 2" in (await reviewer.get(path)).text, path

    for key in ("told", "nobody"):
        answer = await reviewer.post(f"/admin/escalations/{ids[key]}/acknowledge")
        assert answer.status_code == 303

    page = (await reviewer.get("/admin/escalations")).text
    assert "Acknowledged by reviewer@example.org on" in _row(page, ids["told"])
    assert "escalation-open" not in page
    assert "Escalations not yet acknowledged" not in (await reviewer.get("/admin/reports")).text
    async with sessionmaker() as session:
        escalation = await session.get(Escalation, ids["told"])
        assert escalation.acknowledged_by == "reviewer@example.org"
        assert escalation.acknowledged_at is not None
    # The administrator still has team B's to see to.
    admin_page = (await (await as_role("admin")).get("/admin/dashboard")).text
    assert "Escalations not yet acknowledged: 1" in admin_page


async def test_escalations_are_scoped_to_the_curators_teams(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    ids = await _seed(sessionmaker, world)
    reviewer = await as_role("reviewer")
    assert (await reviewer.post(f"/admin/escalations/{ids['other']}/acknowledge")
            ).status_code == 404
    assert (await reviewer.post("/admin/escalations/99999/acknowledge")).status_code == 404
    assert (await reviewer.post(f"/admin/escalations/{ids['told']}/acknowledge",
                                token="forged")).status_code == 403
    admin = await as_role("admin")
    assert f'id="escalation-{ids["other"]}"' in (await admin.get("/admin/escalations")).text


async def test_viewers_neither_see_nor_acknowledge_escalations(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    ids = await _seed(sessionmaker, world)
    viewer = await as_role("viewer")
    assert (await viewer.get("/admin/escalations")).status_code == 403
    assert (await viewer.post(f"/admin/escalations/{ids['told']}/acknowledge")
            ).status_code == 403
    assert "Escalations not yet acknowledged" not in (await viewer.get("/admin/reports")).text
    assert "Escalations not yet acknowledged" not in (await viewer.get("/admin/dashboard")).text


async def test_an_administrator_sets_up_a_teams_contacts(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    admin = await as_role("admin")
    form = await admin.get("/admin/team-contact/create")
    assert form.status_code == 200 and "/myid" in form.text and "Safeguarding" in form.text

    refused = await admin.post("/admin/team-contact/create", {
        "team": str(world.team_a), "name": "Priya", "role": "on_call",
        "telegram_user_id": "@priya", "active": "y"})
    created = await admin.post("/admin/team-contact/create", {
        "team": str(world.team_a), "name": " Priya ", "role": "on_call",
        "telegram_user_id": " 7100000001 ", "active": "y"})
    forged = await admin.post("/admin/team-contact/create", {
        "team": str(world.team_a), "name": "Eve", "role": "manager",
        "telegram_user_id": "1", "active": "y"})

    assert refused.status_code == 400 and "/myid" in refused.text
    assert created.status_code == 302
    assert forged.status_code == 400
    async with sessionmaker() as session:
        contacts = list(await session.scalars(select(TeamContact)))
    assert [(c.name, c.role, c.telegram_user_id, c.team_id, c.active) for c in contacts] == [
        ("Priya", "on_call", ON_CALL, world.team_a, True)]
    listing = (await admin.get("/admin/team-contact/list")).text
    assert "Priya" in listing and "On call" in listing
    reviewer = await as_role("reviewer")
    assert (await reviewer.get("/admin/team-contact/list")).status_code == 403


async def test_an_incident_report_page_says_so(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker.begin() as session:
        session.info["actor"] = (None, "test-setup")
        report = await session.get(Report, world.report_a)
        report.kind, report.someone_harmed = "incident", True
    page = (await (await as_role("viewer")).get(f"/admin/reports/{world.report_a}")).text
    assert 'id="incident">Incident<' in page
    assert "Someone was harmed</dt><dd class=\"col-sm-8\">Yes" in page
