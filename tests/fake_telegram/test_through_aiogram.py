"""The fake Bot API under a real aiogram Dispatcher: updates in, answers out, rejections as
aiogram's exceptions, the helpers tests drive a bot with."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ReplyParameters,
)

from tests.fake_telegram.echo_bot import keyboard, make_bot, make_router
from tests.helpers.fake_telegram import FakeTelegram

pytestmark = pytest.mark.e2e


async def test_get_me_through_aiogram(fake: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456789, True, "nearmiss_test_bot")
    assert me.first_name == "Nearmiss" and me.can_join_groups


async def test_echo_round_trip(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara", language_code="en")
    await chat.send("hello <there> & you")
    assert chat.last_text() == "echo: hello <there> & you"
    message = chat.messages[-1]
    assert message.text == "<b>echo</b>: hello &lt;there&gt; &amp; you"
    assert message.buttons == [[("Today", "day|today"), ("✓ Yesterday", "day|yesterday")]]
    assert message.entities == [{"type": "bold", "offset": 0, "length": 4}]
    fake.assert_no_rejections()


async def test_start_command_with_deep_link(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    await chat.send("/start ABC123")
    assert chat.texts() == ["start ABC123"]


async def test_click_delivers_callback_data_and_records_answer(
    fake: FakeTelegram, bot: Bot
) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    await chat.send("hi")
    await chat.click("Today")
    assert [(a.data, a.text, a.show_alert) for a in chat.callback_answers] == [
        ("day|today", "chose day|today", False)
    ]
    assert chat.last_text() == "You chose day|today"
    assert chat.messages[-1].edited and chat.buttons() == []
    fake.assert_no_rejections()


async def test_click_ignores_tick_and_lists_buttons_when_missing(
    fake: FakeTelegram, bot: Bot
) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    await chat.send("hi")
    await chat.click("Yesterday")  # the button reads "✓ Yesterday"
    assert chat.callback_answers[-1].data == "day|yesterday"
    await chat.send("again")
    with pytest.raises(
        AssertionError, match=r"(?s)no button 'Tomorrow'.*#4: \[Today\] \[✓ Yesterday\]"
    ):
        await chat.click("Tomorrow")


async def test_click_data_sends_forged_callback(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    await chat.send("hi")
    await chat.click_data("forged|data")
    assert chat.callback_answers[-1].text == "chose forged|data"


async def test_non_text_messages_reach_the_bot(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    await chat.send_sticker()
    await chat.send_photo(caption="bruise")
    await chat.send_voice()
    await chat.send_document("report.pdf", b"%PDF")
    await chat.send_raw_message({"location": {"latitude": 51.5, "longitude": -0.1}})
    assert chat.texts() == [
        "got sticker",
        "got photo",
        "got voice",
        "got document",
        "got location",
    ]


async def test_send_without_wait_then_wait_for(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    update_id = await chat.send("later", wait=False)
    assert update_id == 1
    assert await chat.wait_for(lambda: chat.last_text() == "echo: later")


async def run_dispatcher(fake: FakeTelegram, *, handle_as_tasks: bool) -> tuple[Dispatcher, Any]:
    dispatcher = Dispatcher()
    dispatcher.include_router(make_router())
    polling = asyncio.create_task(
        dispatcher.start_polling(
            make_bot(fake),
            handle_as_tasks=handle_as_tasks,
            polling_timeout=10,
            handle_signals=False,
        )
    )
    await fake.wait_until_polling()
    return dispatcher, polling


async def test_concurrent_handling_with_wait_for(fake: FakeTelegram) -> None:
    """Bots that handle updates as tasks (e.g. in a subprocess) are observed via wait_for."""
    dispatcher, polling = await run_dispatcher(fake, handle_as_tasks=True)
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    await chat.send("one", wait=False)
    await chat.send("two", wait=False)
    await chat.wait_for(lambda: sorted(chat.texts()) == ["echo: one", "echo: two"])
    await dispatcher.stop_polling()
    await polling


async def test_restarted_dispatcher_leaves_no_stale_poll(fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    for text in ("first run", "second run"):
        dispatcher, polling = await run_dispatcher(fake, handle_as_tasks=False)
        await chat.send(text)
        await dispatcher.stop_polling()
        await polling
    assert chat.texts() == ["echo: first run", "echo: second run"]
    fake.assert_no_rejections()


async def test_group_chat_messages(fake: FakeTelegram, bot: Bot) -> None:
    group = fake.group_chat(chat_id=-100123, title="Rosewood team")
    await group.send("/start@nearmiss_test_bot x", from_user=2002)
    await group.send("hello")  # same sender as before
    assert group.texts() == ["start x", "echo: hello"]
    assert fake.world.users[2002].first_name == "User2002"


async def test_aiogram_sees_rejections_as_exceptions(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(chat.id, "A & E")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999, "hi")
    chat.block()
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(chat.id, "hi")
    assert len(fake.rejected) == 3
    with pytest.raises(AssertionError, match="would have rejected 3 call"):
        fake.assert_no_rejections()


async def test_identical_edit_is_not_modified(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    markup = keyboard(("A", "a"))
    sent = await bot.send_message(chat.id, "<b>same</b>", reply_markup=markup)
    with pytest.raises(TelegramBadRequest, match="message is not modified: specified new"):
        await bot.edit_message_text(
            "<b>same</b>", chat_id=chat.id, message_id=sent.message_id, reply_markup=markup
        )
    # Same text but dropping the keyboard is a real change.
    await bot.edit_message_text("<b>same</b>", chat_id=chat.id, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=chat.id, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=chat.id, message_id=999)


async def test_replies_carry_the_replied_message(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    await chat.send("/start")  # message 1 from the user, 2 from the bot
    sent = await bot.send_message(chat.id, "re", reply_parameters=ReplyParameters(message_id=1))
    assert sent.reply_to_message is not None and sent.reply_to_message.text == "/start"
    assert sent.message_id == 3  # one id sequence per chat for both sides


async def test_send_document_stores_file(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    upload = BufferedInputFile(b"a,b\n1,2\n", filename="export.csv")
    sent = await bot.send_document(chat.id, upload, caption="<i>export</i>")
    assert sent.document is not None and sent.document.file_name == "export.csv"
    document = chat.documents[0]
    assert (document.filename, document.content, document.mime_type) == (
        "export.csv",
        b"a,b\n1,2\n",
        "text/csv",
    )
    again = await bot.send_document(chat.id, sent.document.file_id)
    assert again.document.file_id == sent.document.file_id
    assert chat.messages[0].plain == "export"
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(chat.id, "no-such-file-id")


async def test_commands_chat_and_members_parse_in_aiogram(fake: FakeTelegram, bot: Bot) -> None:
    group = fake.group_chat(chat_id=-100123, title="Rosewood team")
    await bot.set_my_commands([BotCommand(command="report", description="Report a near miss")])
    assert [c.command for c in await bot.get_my_commands()] == ["report"]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Name", description="x")])
    assert isinstance(await bot.get_chat(group.id), ChatFullInfo)
    assert isinstance(await bot.get_chat_member(group.id, 7), ChatMemberMember)
    expected = {
        "administrator": ChatMemberAdministrator,
        "creator": ChatMemberOwner,
        "left": ChatMemberLeft,
    }
    for status, model in expected.items():
        group.set_member_status(7, status)
        assert isinstance(await bot.get_chat_member(group.id, 7), model)
    for status in ("restricted", "kicked"):
        group.set_member_status(7, status)
        assert (await bot.get_chat_member(group.id, 7)).status == status
    await bot.leave_chat(group.id)
    with pytest.raises(TelegramForbiddenError, match="not a member"):
        await bot.send_message(group.id, "still here?")
