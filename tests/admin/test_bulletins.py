"""A learning flash: drafted from the de-identified parts only, approved, fanned out to the
linked group chats of the chosen teams, never beyond the reviewer's own teams."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import OutboxMessage
from storage.repositories import GroupRepository
from tests.admin.conftest import World
from tests.helpers.admin_client import FINGERPRINT

SUMMARY = "A resident was nearly given another resident's tablets at lunch."


async def _link(sessionmaker: async_sessionmaker[AsyncSession], team_id: int,
                chat_id: int) -> None:
    async with sessionmaker() as session:
        await GroupRepository(session).link(team_id=team_id, chat_id=chat_id,
                                            title=f"Group {chat_id}", linked_by=1,
                                            now=datetime.now(UTC))
        await session.commit()


async def _curate(client, world: World) -> None:
    await client.post(f"/admin/reports/{world.report_a}/curate", {
        "status": "actions_agreed", "redacted_summary": SUMMARY,
        "redacted_prevented": "A colleague checked the photo on the chart & stopped."})
    await client.get(f"/admin/reports/{world.report_a}")  # as a browser follows the redirect


async def _outbox(sessionmaker: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    """The bulletin rows (curation also queues the reporter's 'you said, we did')."""
    async with sessionmaker() as session:
        return list((await session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "bulletin"))).all())


async def test_a_flash_goes_only_to_the_linked_groups_of_the_reports_team(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _link(sessionmaker, world.team_a, -1001)
    await _link(sessionmaker, world.team_a, -1002)
    await _link(sessionmaker, world.team_b, -2001)
    reviewer = await as_role("reviewer")
    refused = await reviewer.post(f"/admin/reports/{world.report_a}/bulletin")
    assert refused.status_code == 303
    assert "Write the redacted summary first" in (await reviewer.get(
        f"/admin/reports/{world.report_a}")).text
    await _curate(reviewer, world)
    created = await reviewer.post(f"/admin/reports/{world.report_a}/bulletin")
    assert created.status_code == 303
    page = (await reviewer.get(created.headers["location"])).text
    assert SUMMARY.replace("'", "&#39;") in page and "Photo ID on every MAR chart" in page
    assert "Mrs Jones" not in page and "Amara" not in page  # never the worker's words or name
    assert "&amp; stopped" in page  # escaped in the preview, as Telegram will get it
    bulletin_url = created.headers["location"]
    # A forged wider target is narrowed to the reviewer's own teams.
    await reviewer.post(bulletin_url, [("title", "Learning: medication"), ("body", SUMMARY),
                                       ("target", "all"), ("teams", str(world.team_b))])
    approved = await reviewer.approve_and_send(bulletin_url)
    assert approved.status_code == 303
    rows = await _outbox(sessionmaker)
    assert sorted(row.chat_id for row in rows) == [-1002, -1001]
    assert all(row.status == "pending" and row.kind == "bulletin" for row in rows)
    assert rows[0].text.startswith("<b>Learning: medication</b>")
    again = await reviewer.post(f"{bulletin_url}/approve")
    assert again.status_code == 409 and len(await _outbox(sessionmaker)) == 2


async def test_without_a_linked_group_nothing_is_approved(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    admin = await as_role("admin")
    await _curate(admin, world)
    created = await admin.post(f"/admin/reports/{world.report_a}/bulletin")
    assert created.status_code == 303, created.text[:500]
    approve = await admin.approve_and_send(created.headers["location"])
    assert approve.status_code == 303, approve.text[:500]
    page = (await admin.get(created.headers["location"])).text
    assert "No linked group chat" in page and "Approve and send" in page
    assert await _outbox(sessionmaker) == []


async def test_an_admin_may_send_to_every_team(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _link(sessionmaker, world.team_a, -1001)
    await _link(sessionmaker, world.team_b, -2001)
    admin = await as_role("admin")
    await _curate(admin, world)
    created = await admin.post(f"/admin/reports/{world.report_a}/bulletin")
    url = created.headers["location"]
    await admin.post(url, {"title": "For everyone", "body": SUMMARY, "target": "all"})
    await admin.approve_and_send(url)
    assert sorted(row.chat_id for row in await _outbox(sessionmaker)) == [-2001, -1001]


async def _draft(client, world: World) -> str:
    await _curate(client, world)
    created = await client.post(f"/admin/reports/{world.report_a}/bulletin")
    return created.headers["location"]


async def test_approve_and_send_takes_the_unsaved_text_and_sends_only_once_confirmed(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _link(sessionmaker, world.team_a, -1001)
    reviewer = await as_role("reviewer")
    url = await _draft(reviewer, world)
    approved = await reviewer.post(f"{url}/approve", {
        "title": "Learning: two checks", "body": "Typed but never saved.", "target": "team"})
    assert approved.status_code == 303 and approved.headers["location"].endswith("/confirm")
    check = await reviewer.get(approved.headers["location"])
    assert "Typed but never saved." in check.text and "Group -1001" in check.text
    assert await _outbox(sessionmaker) == []  # nothing goes before the confirmation
    fingerprint = FINGERPRINT.search(check.text).group(1)
    sent = await reviewer.post(f"{url}/send", {"fingerprint": fingerprint})
    assert sent.status_code == 303
    rows = await _outbox(sessionmaker)
    assert [row.chat_id for row in rows] == [-1001]
    assert "Typed but never saved." in rows[0].text and "Learning: two checks" in rows[0].text


async def test_a_send_is_refused_when_the_text_changed_after_the_check(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _link(sessionmaker, world.team_a, -1001)
    reviewer = await as_role("reviewer")
    url = await _draft(reviewer, world)
    check = await reviewer.get((await reviewer.post(f"{url}/approve")).headers["location"])
    fingerprint = FINGERPRINT.search(check.text).group(1)
    await reviewer.post(url, {"title": "Changed", "body": "Changed after the check.",
                              "target": "team"})
    await reviewer.get(url)  # as a browser follows the redirect (and shows its message)
    refused = await reviewer.post(f"{url}/send", {"fingerprint": fingerprint})
    assert refused.status_code == 303 and refused.headers["location"].endswith("/confirm")
    assert "changed since you checked" in (await reviewer.get(refused.headers["location"])).text
    assert await _outbox(sessionmaker) == []
    forged = await reviewer.post(f"{url}/send", {"fingerprint": "0" * 64})
    assert forged.status_code == 303 and await _outbox(sessionmaker) == []


async def test_viewers_cannot_touch_bulletins(as_role, world: World) -> None:
    viewer = await as_role("viewer")
    assert (await viewer.get("/admin/bulletins")).status_code == 403
    assert (await viewer.post(f"/admin/reports/{world.report_a}/bulletin")).status_code == 403
    assert (await viewer.post("/admin/bulletins/1/send")).status_code == 403


async def test_malformed_team_choices_are_left_out_not_a_crash(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    reviewer = await as_role("reviewer")
    await _curate(reviewer, world)
    bulletin_url = (await reviewer.post(
        f"/admin/reports/{world.report_a}/bulletin")).headers["location"]

    saved = await reviewer.post(bulletin_url, [
        ("title", "Learning"), ("body", SUMMARY), ("target", "teams"), ("teams", "²"),
        ("teams", "1" + "0" * 30), ("teams", str(world.team_a))])

    assert saved.status_code == 303
    page = (await reviewer.get(bulletin_url)).text
    assert 'name="target" value="teams" checked' in page
    assert f'name="teams" value="{world.team_a}" checked' in page
