"""Linking a team's group chat with /link CODE, unlinking it, and the bot being removed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import GroupLink, Team
from storage.repositories import GroupRepository
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import ChatClient, FakeTelegram
from tests.helpers.fake_telegram.methods_chats import member_object
from tests.helpers.fake_telegram.state import now

GROUP = -1004242
LEAD, WORKER = 3001, 3002
NOT_VALID = "That code is not valid"


@pytest.fixture
async def code(sessionmaker: async_sessionmaker[AsyncSession], team: Team) -> str:
    return await _new_code(sessionmaker, team)


@pytest.fixture
def group(fake: FakeTelegram) -> ChatClient:
    group = fake.group_chat(GROUP, "Rosewood team leads")
    fake.private_chat(LEAD, "Dee")
    fake.private_chat(WORKER, "Nia")
    group.set_member_status(LEAD, "administrator")
    return group


async def _new_code(sessionmaker: async_sessionmaker[AsyncSession], team: Team) -> str:
    async with sessionmaker.begin() as session:
        link_code = await GroupRepository(session).create_code(
            team_id=team.id, created_by="admin@example.org", now=datetime.now(UTC))
    return link_code.code


async def _link(sessionmaker: async_sessionmaker[AsyncSession],
                chat_id: int = GROUP) -> GroupLink | None:
    async with sessionmaker() as session:
        return await GroupRepository(session).get(chat_id=chat_id)


async def _bot_leaves(fake: FakeTelegram, group: ChatClient, status: str, by: int) -> None:
    """Telegram's my_chat_member update when the bot is removed from (or leaves) a group."""
    group.remove_bot()
    bot = fake.bot_user
    update_id = fake.enqueue_update({"my_chat_member": {
        "chat": group.state.to_api(), "from": fake.user_api(by), "date": now(),
        "old_chat_member": member_object(fake, "member", bot),
        "new_chat_member": member_object(fake, status, bot),
    }}, group.id)
    await fake.wait_handled(update_id)


@pytest.mark.parametrize("status", ["administrator", "creator"])
async def test_a_group_admin_links_the_group_with_a_valid_code(
        fake: FakeTelegram, running: RunningBot, team: Team, group: ChatClient, code: str,
        sessionmaker: async_sessionmaker[AsyncSession], status: str) -> None:
    group.set_member_status(LEAD, status)
    await group.send(f"/link {code.lower()}", from_user=LEAD)
    assert group.last_text() == ("This group is now linked to Rosewood House: it will receive "
                                 "de-identified learning from near-miss reports.")
    link = await _link(sessionmaker)
    assert link is not None and link.active
    assert (link.team_id, link.title, link.linked_by) == (team.id, "Rosewood team leads", LEAD)
    asked = fake.calls_to("getChatMember")[-1].params
    assert (asked["chat_id"], asked["user_id"]) == (GROUP, LEAD)


async def test_a_member_who_is_not_an_admin_cannot_link_and_the_code_stays_usable(
        fake: FakeTelegram, running: RunningBot, group: ChatClient, code: str,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await group.send(f"/link {code}", from_user=WORKER)
    assert "Only an administrator" in group.last_text()
    assert await _link(sessionmaker) is None
    await group.send(f"/link {code}", from_user=LEAD)
    assert "now linked" in group.last_text()


async def test_a_used_code_cannot_link_a_second_group(
        fake: FakeTelegram, running: RunningBot, group: ChatClient, code: str,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await group.send(f"/link {code}", from_user=LEAD)
    other = fake.group_chat(-1005555, "Somebody else's group")
    other.set_member_status(WORKER, "creator")
    await other.send(f"/link {code}", from_user=WORKER)
    assert NOT_VALID in other.last_text()
    assert "Rosewood" not in other.last_text()
    assert await _link(sessionmaker, -1005555) is None


async def test_a_wrong_or_missing_code_links_nothing(
        fake: FakeTelegram, running: RunningBot, team: Team, group: ChatClient,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await group.send("/link WRNG2345", from_user=LEAD)
    assert NOT_VALID in group.last_text() and "Rosewood" not in group.last_text()
    await group.send(f"/link {team.code}", from_user=LEAD)  # a join code is not a link code
    assert NOT_VALID in group.last_text()
    await group.send("/link", from_user=LEAD)
    assert "followed by the code" in group.last_text()
    assert await _link(sessionmaker) is None


async def test_link_in_a_private_chat_explains_it_is_for_group_chats(
        fake: FakeTelegram, running: RunningBot, code: str,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    lead = fake.private_chat(LEAD, "Dee")
    await lead.send(f"/link {code}")
    assert "/link is for group chats" in lead.last_text()
    async with sessionmaker() as session:
        assert await GroupRepository(session).list() == []


async def test_a_group_admin_unlinks_and_a_member_cannot(
        fake: FakeTelegram, running: RunningBot, group: ChatClient, code: str,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await group.send(f"/link {code}", from_user=LEAD)
    await group.send("/unlink", from_user=WORKER)
    assert "Only an administrator" in group.last_text()
    assert (await _link(sessionmaker)).active
    await group.send("/unlink", from_user=LEAD)
    assert "no longer linked" in group.last_text()
    link = await _link(sessionmaker)
    assert not link.active and link.deactivated_reason == "unlink"
    await group.send("/unlink", from_user=LEAD)
    assert "not linked to a team" in group.last_text()


async def test_a_group_linked_again_after_unlinking_is_active_again(
        fake: FakeTelegram, running: RunningBot, team: Team, group: ChatClient, code: str,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await group.send(f"/link {code}", from_user=LEAD)
    await group.send("/unlink", from_user=LEAD)
    await group.send(f"/link {await _new_code(sessionmaker, team)}", from_user=LEAD)
    assert "now linked" in group.last_text()
    link = await _link(sessionmaker)
    assert link.active and link.deactivated_reason is None


@pytest.mark.parametrize("status", ["kicked", "left"])
async def test_removing_the_bot_from_a_group_deactivates_its_link(
        fake: FakeTelegram, running: RunningBot, group: ChatClient, code: str,
        sessionmaker: async_sessionmaker[AsyncSession], status: str) -> None:
    await group.send(f"/link {code}", from_user=LEAD)
    sent_before = len(group.messages)
    await _bot_leaves(fake, group, status, by=LEAD)
    link = await _link(sessionmaker)
    assert not link.active and link.deactivated_reason == "removed"
    assert len(group.messages) == sent_before  # nothing said to a group the bot has left


async def test_the_bot_asks_telegram_for_my_chat_member_updates(
        fake: FakeTelegram, running: RunningBot) -> None:
    allowed = fake.calls_to("getUpdates")[-1].params.get("allowed_updates")
    assert "my_chat_member" in allowed and "message" in allowed
