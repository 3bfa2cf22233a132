"""A linked group upgraded to a supergroup keeps its link, and its waiting messages follow."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import OutboxMessage, Team
from storage.repositories import GroupRepository, OutboxRepository
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import FakeTelegram

OLD, NEW, OTHER = -4242, -1004242, -5151


async def test_an_upgraded_group_keeps_its_link_and_its_queued_messages(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    now = datetime.now(UTC)
    async with sessionmaker.begin() as session:
        groups = GroupRepository(session)
        await groups.link(team_id=team.id, chat_id=OLD, title="Leads", linked_by=1, now=now)
        await groups.link(team_id=team.id, chat_id=OTHER, title="Other", linked_by=1, now=now)
        await OutboxRepository(session).enqueue(batch="bulletin:1", kind="bulletin", messages=[
            (OLD, True, "Learning"), (OTHER, True, "Learning")])
    old = fake.group_chat(OLD, "Leads")
    fake.private_chat(3001, "Dee")
    fake.group_chat(NEW, "Leads")

    await old.send_raw_message({"migrate_to_chat_id": NEW}, from_user=3001)

    async with sessionmaker() as session:
        groups = GroupRepository(session)
        assert await groups.get(chat_id=OLD) is None
        moved = await groups.get(chat_id=NEW)
        assert moved is not None and moved.active and moved.team_id == team.id
        rows = (await session.execute(select(OutboxMessage.chat_id, OutboxMessage.status)
                                      .order_by(OutboxMessage.chat_id))).all()
    assert sorted(tuple(row) for row in rows) == [(NEW, "pending"), (OTHER, "pending")]
    fake.assert_no_rejections()


async def test_an_unlinked_group_upgrading_changes_nothing(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    old = fake.group_chat(OLD, "Leads")
    fake.private_chat(3001, "Dee")

    await old.send_raw_message({"migrate_to_chat_id": NEW}, from_user=3001)

    async with sessionmaker() as session:
        assert await GroupRepository(session).list() == []
    assert old.messages == []  # nothing said in either chat
    fake.assert_no_rejections()
