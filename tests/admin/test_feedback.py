"""'You said, we did': the reporter hears, privately and once, what changed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import OutboxMessage
from tests.admin.conftest import World


async def _messages(sessionmaker: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "feedback").order_by(OutboxMessage.id))).all())


async def test_the_reporter_hears_when_actions_are_agreed_and_done(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    reviewer = await as_role("reviewer")
    url = f"/admin/reports/{world.report_a}/curate"
    await reviewer.post(url, {"status": "in_review"})
    assert await _messages(sessionmaker) == []
    for _ in range(2):  # saving the same status again tells nobody twice
        await reviewer.post(url, {"status": "actions_agreed"})
    [agreed] = await _messages(sessionmaker)
    assert agreed.chat_id == 555 and not agreed.is_group  # the reporter's private chat
    assert "NM-" in agreed.text and "Photo ID on every MAR chart" in agreed.text
    assert "You said, we did" in agreed.text
    await reviewer.post(f"/admin/actions/{world.action_a}", {
        "status": "done", "outcome_evidence": "Re-audit: 20/20 charts have photos & names"})
    await reviewer.post(f"/admin/actions/{world.action_a}", {"status": "done"})
    agreed_again, done = await _messages(sessionmaker)
    assert agreed_again.id == agreed.id
    assert "is done" in done.text and "20/20 charts have photos &amp; names" in done.text
