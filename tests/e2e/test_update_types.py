"""The bot tells Telegram which updates it wants (allowed_updates), by polling and by webhook:
the ones its routers handle, edits of messages among them, and nothing it would ignore."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dispatcher import UPDATE_TYPES, create_dispatcher
from core.settings import Settings
from storage.models import Team
from tests.e2e.flow import days_ago, no_harm
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import FakeTelegram


def test_the_routers_handle_exactly_the_update_types_the_bot_asks_for(
        settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    dp = create_dispatcher(settings, sessionmaker)
    assert set(dp.resolve_used_update_types()) == set(UPDATE_TYPES)
    assert {"message", "edited_message", "callback_query", "my_chat_member"} == set(UPDATE_TYPES)


async def test_polling_asks_for_edits_taps_and_membership_and_gets_only_those(
        fake: FakeTelegram, running: RunningBot, team: Team) -> None:
    asked = fake.calls_to("getUpdates")[-1].params.get("allowed_updates")
    assert asked is not None and sorted(asked) == sorted(UPDATE_TYPES)
    assert fake.updates.allowed is not None and sorted(fake.updates.allowed) == sorted(asked)
    chat = fake.private_chat(5001, "Nest")
    await chat.send(f"/start {team.code}")
    await no_harm(chat)
    await chat.send(days_ago(10))
    date = chat.last_sent_id()
    await chat.edit(date, days_ago(11))  # delivered: the bot asked for edited_message
    assert "I've changed your answer to “Date”" in chat.last_text()
    reaction = {"chat": chat.state.to_api(), "message_id": date, "date": 0,
                "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]}
    dropped = fake.enqueue_update({"message_reaction": reaction}, chat.id)
    assert dropped in fake.updates.dropped  # not asked for, so Telegram never sends it
