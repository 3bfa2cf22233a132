"""The fake Bot API server itself: raw HTTP behaviour and a real aiogram Dispatcher on top."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router, html
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from aiohttp import web

from tests.helpers.fake_telegram import (
    FakeTelegram,
    find_api_json,
    load_spec,
    parse_html,
    utf16_len,
)

pytestmark = pytest.mark.e2e
PARSE_ERROR = "Bad Request: can't parse entities"


# -- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


def make_bot(fake: FakeTelegram) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    return Bot(fake.token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


def keyboard(*labels_and_data: tuple[str, str]) -> InlineKeyboardMarkup:
    row = [InlineKeyboardButton(text=label, callback_data=data) for label, data in labels_and_data]
    return InlineKeyboardMarkup(inline_keyboard=[row])


def make_router() -> Router:
    """A tiny bot: /start echoes its argument, text is echoed with a keyboard."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        await message.answer(f"start {command.args or '-'}")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        markup = keyboard(("Today", "day|today"), ("✓ Yesterday", "day|yesterday"))
        await message.answer(f"<b>echo</b>: {html.quote(message.text or '')}", reply_markup=markup)

    @router.message()
    async def other(message: Message) -> None:
        await message.answer(f"got {message.content_type.value}")

    @router.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer(f"chose {query.data}")
        if query.message is not None and isinstance(query.message, Message):
            await query.message.edit_text(f"You chose {query.data}")

    return router


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    """A Dispatcher polling the fake with handle_as_tasks=False (what wait_handled needs)."""
    bot = make_bot(fake)
    dispatcher = Dispatcher()
    dispatcher.include_router(make_router())
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot, handle_as_tasks=False, polling_timeout=10, handle_signals=False
        )
    )
    await fake.wait_until_polling()
    yield bot
    await dispatcher.stop_polling()
    await polling


def form_value(value: Any) -> str:
    if isinstance(value, (dict, list, bool)):
        return json.dumps(value)
    return str(value)


async def call(
    fake: FakeTelegram,
    method: str,
    *,
    token: str | None = None,
    json_body: dict[str, Any] | None = None,
    **params: Any,
) -> tuple[int, dict[str, Any]]:
    """POST a Bot API call the way a simple HTTP client would (form or JSON)."""
    url = f"{fake.base_url}/bot{token or fake.token}/{method}"
    async with aiohttp.ClientSession() as session:
        if json_body is not None:
            response = await session.post(url, json=json_body)
        else:
            data = {key: form_value(value) for key, value in params.items()}
            response = await session.post(url, data=data)
        return response.status, await response.json()


async def send_text(fake: FakeTelegram, text: str, **params: Any) -> tuple[int, dict]:
    fake.private_chat(user_id=1001, first_name="Amara")
    return await call(fake, "sendMessage", chat_id=1001, text=text, **params)


def assert_rejected(response: tuple[int, dict], status: int, description: str) -> None:
    code, body = response
    assert (code, body["ok"], body["error_code"]) == (status, False, status), body
    assert body["description"].startswith(description), body["description"]


# -- aiogram end to end ---------------------------------------------------------------------


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


async def test_retry_after_injection_reaches_aiogram(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    fake.fail_next("sendMessage", retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(chat.id, "hi")
    assert caught.value.retry_after == 7
    await bot.send_message(chat.id, "hi")  # only the next call failed
    fake.assert_no_rejections()  # injected faults are not the bot's fault
    with pytest.raises(AssertionError):
        fake.assert_no_rejections(include_injected=True)


# -- construction ---------------------------------------------------------------------------


async def test_explicit_api_json_path_and_default_finder() -> None:
    path = find_api_json()
    assert path.name == "api.json" and path.parent.name == "fake_telegram"
    async with FakeTelegram("42:abc", api_json=path, username="other_bot") as other:
        status, body = await call(other, "getMe")
    assert status == 200 and (body["result"]["id"], body["result"]["username"]) == (42, "other_bot")
    with pytest.raises(ValueError, match="not a bot token"):
        FakeTelegram("nonsense")


def test_the_bot_api_description_is_part_of_the_checkout_with_its_licence() -> None:
    """A clone anywhere runs the suite: nothing is looked for outside the repository."""
    path = find_api_json()
    repository = Path(__file__).resolve().parents[2]
    assert path.is_relative_to(repository) and path.is_file()
    assert load_spec(path).version.startswith("Bot API ")
    notice = (path.parent / "api.json.LICENSE").read_text()
    assert "MIT License" in notice and "Paul Larsen" in notice


# -- raw HTTP: routing and parameters -------------------------------------------------------


async def test_wrong_token_is_401(fake: FakeTelegram) -> None:
    response = await call(fake, "getMe", token="123456789:wrong")
    assert response == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})


async def test_unknown_method_is_404_and_names_are_case_insensitive(fake: FakeTelegram) -> None:
    assert await call(fake, "sendPigeon") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    status, body = await call(fake, "GETME")
    assert status == 200 and body["result"]["username"] == "nearmiss_test_bot"
    assert fake.calls[-1].method == "getMe"


async def test_unimplemented_method_is_rejected_and_recorded(fake: FakeTelegram) -> None:
    assert_rejected(
        await call(fake, "sendPoll", chat_id=1, question="q", options="[]"),
        400,
        "Bad Request: method not implemented in fake",
    )
    assert fake.rejected[-1].method == "sendPoll"


async def test_missing_required_fields(fake: FakeTelegram) -> None:
    assert_rejected(
        await call(fake, "sendMessage", text="hi"), 400, "Bad Request: chat_id is required"
    )
    assert_rejected(await send_text(fake, "   \n "), 400, "Bad Request: message text is empty")
    assert_rejected(
        await call(fake, "sendMessage", chat_id=1001), 400, "Bad Request: message text is empty"
    )


async def test_parameter_types_are_checked(fake: FakeTelegram) -> None:
    assert_rejected(
        await call(fake, "getUpdates", limit="ten"), 400, "Bad Request: invalid limit specified"
    )
    assert_rejected(
        await send_text(fake, "hi", reply_markup="{not json"),
        400,
        "Bad Request: can't parse reply_markup JSON object",
    )
    assert_rejected(
        await send_text(fake, "hi", disable_notification="maybe"),
        400,
        "Bad Request: invalid disable_notification",
    )


async def test_unknown_fields_are_ignored_but_recorded(fake: FakeTelegram) -> None:
    status, _ = await send_text(fake, "hi", colour="blue")
    assert status == 200
    assert fake.calls[-1].ignored_fields == ["colour"]


async def test_json_body_and_query_string(fake: FakeTelegram) -> None:
    fake.private_chat(user_id=1001, first_name="Amara")
    body = {
        "chat_id": 1001,
        "text": "<i>json</i>",
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]},
    }
    status, answer = await call(fake, "sendMessage", json_body=body)
    assert status == 200 and answer["result"]["text"] == "json"
    async with aiohttp.ClientSession() as session:
        url = f"{fake.base_url}/bot{fake.token}/sendMessage?chat_id=1001&text=query"
        async with session.get(url) as response:
            assert (await response.json())["result"]["text"] == "query"


async def test_results_are_valid_telegram_objects(fake: FakeTelegram) -> None:
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    _, body = await send_text(fake, "<b>x</b> y", parse_mode="HTML", reply_markup=markup)
    message = Message.model_validate(body["result"])
    assert message.reply_markup == InlineKeyboardMarkup.model_validate(markup)
    assert fake.spec.shape_errors("Message", body["result"], "result") == []
    assert body["result"]["from"]["is_bot"] is True and body["result"]["message_id"] == 1


async def test_generated_updates_are_valid_telegram_updates(fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara", language_code="en")
    group = fake.group_chat(chat_id=-100123, title="Rosewood team")
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    await send_text(fake, "pick", reply_markup=markup)
    await chat.send("/start x", wait=False)
    await chat.send_sticker(wait=False)
    await chat.send_photo("c", wait=False)
    await chat.send_voice(wait=False)
    await chat.send_document(wait=False)
    await chat.click("A", wait=False)
    await chat.click_data("zz", message_id=99, wait=False)
    await group.send("hey", from_user=chat, wait=False)
    _, body = await call(fake, "getUpdates")
    updates = body["result"]
    assert [u["update_id"] for u in updates] == list(range(1, 9))
    for update in updates:
        Update.model_validate(update)
        assert fake.spec.shape_errors("Update", update, "update") == []
    first = updates[0]["message"]
    assert first["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert first["from"] == {
        "id": 1001,
        "is_bot": False,
        "first_name": "Amara",
        "language_code": "en",
    }
    assert updates[5]["callback_query"]["message"]["reply_markup"] == markup
    assert updates[6]["callback_query"]["message"]["date"] == 0  # inaccessible message
    assert updates[7]["message"]["chat"] == {
        "id": -100123,
        "type": "supergroup",
        "title": "Rosewood team",
    }


# -- text rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("A & E", "Character '&' at byte offset 2"),
        ("I <3 you", 'Unsupported start tag "3"'),
        ("<foo>bar</foo>", 'Unsupported start tag "foo"'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("&nbsp;", "Character '&'"),
    ],
)
async def test_bad_html_cannot_be_parsed(fake: FakeTelegram, text: str, reason: str) -> None:
    assert_rejected(await send_text(fake, text, parse_mode="HTML"), 400, f"{PARSE_ERROR}: {reason}")


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("A&amp;E", "A&E"),
        ("&lt;3", "<3"),
        ("&quot;q&quot; &gt; &#65;&#x42;", '"q" > AB'),
        ('<a href="https://x.org/?a=1&b=2">link</a>', "link"),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1"),
        ("<blockquote expandable>q</blockquote> <tg-spoiler>s</tg-spoiler>", "q s"),
        ('<span class="tg-spoiler">s</span> <B>caps</B> <s>x</s>', "s caps x"),
        ("no parse mode needed", "no parse mode needed"),
    ],
)
async def test_good_html_passes(fake: FakeTelegram, text: str, plain: str) -> None:
    status, body = await send_text(fake, text, parse_mode="HTML")
    assert status == 200, body
    assert body["result"]["text"] == plain
    assert fake.chat(1001).last_text() == plain


async def test_without_parse_mode_text_is_literal(fake: FakeTelegram) -> None:
    status, body = await send_text(fake, "<b>A & E</b>")
    assert status == 200 and body["result"]["text"] == "<b>A & E</b>"
    assert "entities" not in body["result"]


async def test_text_length_is_counted_after_parsing(fake: FakeTelegram) -> None:
    assert (await send_text(fake, "a" * 4096))[0] == 200
    assert_rejected(await send_text(fake, "a" * 4097), 400, "Bad Request: message is too long")
    many_tags = "<b>x</b><i>y</i>" * 2000  # 32,000 characters of HTML, 4,000 visible
    assert (await send_text(fake, many_tags, parse_mode="HTML"))[0] == 200
    assert (await send_text(fake, "&amp;" * 4096, parse_mode="HTML"))[0] == 200


async def test_text_length_counts_utf16_code_units(fake: FakeTelegram) -> None:
    assert utf16_len("😀") == 2
    assert (await send_text(fake, "😀" * 2048))[0] == 200
    assert_rejected(
        await send_text(fake, "😀" * 2048 + "a"), 400, "Bad Request: message is too long"
    )


async def test_caption_limit(fake: FakeTelegram) -> None:
    fake.private_chat(user_id=1001, first_name="Amara")
    status, body = await call(
        fake, "sendDocument", chat_id=1001, document="https://x.org/a.pdf", caption="c" * 1024
    )
    assert status == 200, body
    assert_rejected(
        await call(
            fake, "sendDocument", chat_id=1001, document="https://x.org/a.pdf", caption="c" * 1025
        ),
        400,
        "Bad Request: message caption is too long",
    )


def test_parser_entities_use_utf16_offsets() -> None:
    parsed = parse_html("😀 <b>bold</b> <a href='https://x.org'>x</a>")
    assert parsed.plain == "😀 bold x"
    assert parsed.entities == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "text_link", "offset": 8, "url": "https://x.org", "length": 1},
    ]


# -- keyboards ------------------------------------------------------------------------------


def inline(button: dict[str, Any]) -> dict[str, Any]:
    return {"inline_keyboard": [[button]]}


@pytest.mark.parametrize(
    ("data", "ok"),
    [("x" * 64, True), ("x" * 65, False), ("é" * 32, True), ("é" * 33, False), ("", False)],
)
async def test_callback_data_is_limited_to_64_bytes(
    fake: FakeTelegram, data: str, ok: bool
) -> None:
    response = await send_text(
        fake, "pick", reply_markup=inline({"text": "A", "callback_data": data})
    )
    if ok:
        assert response[0] == 200, response
    else:
        assert_rejected(response, 400, "Bad Request: BUTTON_DATA_INVALID")


@pytest.mark.parametrize(
    ("button", "reason"),
    [
        ({"text": "A"}, "Text buttons are unallowed in the inline keyboard"),
        ({"text": "A", "callback_data": "a", "url": "https://x.org"}, "exactly one action"),
        ({"text": "", "callback_data": "a"}, "Text must be non-empty"),
        ({"callback_data": "a"}, 'Can\'t find field "text"'),
    ],
)
async def test_inline_buttons_need_text_and_one_action(
    fake: FakeTelegram, button: dict[str, Any], reason: str
) -> None:
    response = await send_text(fake, "pick", reply_markup=inline(button))
    assert_rejected(response, 400, "Bad Request: can't parse inline keyboard button: " + reason)


async def test_reply_keyboards(fake: FakeTelegram) -> None:
    reply = {"keyboard": [["Yes", {"text": "No"}]], "resize_keyboard": True}
    assert (await send_text(fake, "ok?", reply_markup=reply))[0] == 200
    assert (await send_text(fake, "bye", reply_markup={"remove_keyboard": True}))[0] == 200
    assert (await send_text(fake, "why?", reply_markup={"force_reply": True}))[0] == 200
    assert_rejected(
        await send_text(fake, "x", reply_markup={"keyboard": [[""]]}),
        400,
        "Bad Request: can't parse keyboard button",
    )
    assert_rejected(
        await send_text(fake, "x", reply_markup={"buttons": []}),
        400,
        "Bad Request: can't parse reply keyboard markup JSON object",
    )
    # editMessageText only takes inline keyboards.
    assert_rejected(
        await call(
            fake, "editMessageText", chat_id=1001, message_id=1, text="y", reply_markup=reply
        ),
        400,
        "Bad Request: ReplyKeyboardMarkup",
    )


# -- messages, callbacks, chats -------------------------------------------------------------


async def test_delete_message(fake: FakeTelegram) -> None:
    await send_text(fake, "one")
    assert (await call(fake, "deleteMessage", chat_id=1001, message_id=1))[0] == 200
    assert_rejected(
        await call(fake, "deleteMessage", chat_id=1001, message_id=1),
        400,
        "Bad Request: message to delete not found",
    )
    chat = fake.chat(1001)
    assert chat.messages[0].deleted and chat.last_text() == ""
    assert chat.texts() == ["one"] and chat.texts(include_deleted=False) == []
    assert_rejected(
        await call(fake, "editMessageText", chat_id=1001, message_id=1, text="x"),
        400,
        "Bad Request: message to edit not found",
    )


async def test_answer_callback_query_rules(fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    await send_text(fake, "pick", reply_markup=inline({"text": "A", "callback_data": "a"}))
    await chat.click("A", wait=False)
    query_id = (await call(fake, "getUpdates"))[1]["result"][0]["callback_query"]["id"]
    assert_rejected(
        await call(fake, "answerCallbackQuery", callback_query_id="123"),
        400,
        "Bad Request: query is too old",
    )
    assert_rejected(
        await call(fake, "answerCallbackQuery", callback_query_id=query_id, text="x" * 201),
        400,
        "Bad Request: MESSAGE_TOO_LONG",
    )
    ok = await call(
        fake, "answerCallbackQuery", callback_query_id=query_id, text="x" * 200, show_alert=True
    )
    assert ok[0] == 200
    assert chat.callback_answers[0].show_alert is True
    assert_rejected(
        await call(fake, "answerCallbackQuery", callback_query_id=query_id),
        400,
        "Bad Request: query is too old",
    )


async def test_reply_to_missing_message(fake: FakeTelegram) -> None:
    assert_rejected(
        await send_text(fake, "hi", reply_parameters={"message_id": 42}),
        400,
        "Bad Request: message to be replied not found",
    )
    tolerant = {"message_id": 42, "allow_sending_without_reply": True}
    assert (await send_text(fake, "hi", reply_parameters=tolerant))[0] == 200


async def test_chat_action_and_unknown_chats(fake: FakeTelegram) -> None:
    fake.private_chat(user_id=1001, first_name="Amara")
    assert (await call(fake, "sendChatAction", chat_id=1001, action="typing"))[0] == 200
    assert_rejected(
        await call(fake, "sendChatAction", chat_id=1001, action="dancing"),
        400,
        "Bad Request: wrong parameter action",
    )
    assert_rejected(
        await call(fake, "sendMessage", chat_id=-1005, text="x"), 400, "Bad Request: chat not found"
    )
    assert_rejected(
        await call(fake, "getChat", chat_id="@nobody"), 400, "Bad Request: chat not found"
    )


async def test_blocked_user_is_forbidden_until_they_write_again(fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    chat.block()
    assert_rejected(await send_text(fake, "hi"), 403, "Forbidden: bot was blocked by the user")
    await chat.send("I'm back", wait=False)
    assert (await send_text(fake, "hi"))[0] == 200


async def test_a_user_who_never_started_the_bot_cannot_be_messaged_first(
    fake: FakeTelegram,
) -> None:
    fake.known_user(5202, "Owen", username="owen_oncall")
    cant = "Forbidden: bot can't initiate conversation with a user"
    assert_rejected(await call(fake, "sendMessage", chat_id=5202, text="hi"), 403, cant)
    assert_rejected(await call(fake, "sendMessage", chat_id=5303, text="hi"), 400,
                    "Bad Request: chat not found")  # nobody Telegram knows
    group = fake.group_chat(-100777, "Rosewood team")
    await group.send("hello", from_user=5404, wait=False)  # seen in a group, never started
    assert_rejected(await call(fake, "sendMessage", chat_id=5404, text="hi"), 403, cant)
    fake.private_chat(5202, "Owen")  # they open the bot at last
    assert (await call(fake, "sendMessage", chat_id=5202, text="hi"))[0] == 200
    async with make_bot(fake) as bot:
        fake.known_user(5505, "Nia")
        with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
            await bot.send_message(5505, "hi")


async def test_webhook_conflicts_with_polling(fake: FakeTelegram) -> None:
    assert_rejected(
        await call(fake, "setWebhook", url="http://x.org/hook"), 400, "Bad Request: bad webhook"
    )
    assert (await call(fake, "setWebhook", url="https://x.org/hook"))[0] == 200
    info = (await call(fake, "getWebhookInfo"))[1]["result"]
    assert info["url"] == "https://x.org/hook" and info["pending_update_count"] == 0
    assert_rejected(await call(fake, "getUpdates"), 409, "Conflict: can't use getUpdates")
    assert (await call(fake, "deleteWebhook", drop_pending_updates=True))[0] == 200
    assert (await call(fake, "getUpdates"))[0] == 200
    assert (await call(fake, "close"))[1] == {"ok": True, "result": True}



async def _deliveries(telegram_like: bool, slow_chat: int) -> list[tuple[str, int, int, int]]:
    """Two updates in a slow chat and one in another through the fake's webhook delivery:
    (start|end, chat, update_id, client port) as the bot's server saw them."""
    seen: list[tuple[str, int, int, int]] = []

    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        chat, port = update["message"]["chat"]["id"], request.transport.get_extra_info(
            "peername")[1]
        seen.append(("start", chat, update["update_id"], port))
        await asyncio.sleep(0.3 if chat == slow_chat else 0)
        seen.append(("end", chat, update["update_id"], port))
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake = FakeTelegram()
    if telegram_like:
        fake.webhook.as_telegram()
    try:
        async with fake:
            host, port = runner.addresses[0][:2]
            fake.webhook.proxy = f"http://{host}:{port}"
            assert (await call(fake, "setWebhook", url="https://x.org/hook"))[0] == 200
            slow, other = fake.private_chat(slow_chat, "Slow"), fake.private_chat(2, "Other")
            for sent in (slow.send("one", wait=False), slow.send("two", wait=False),
                         other.send("three", wait=False)):
                await sent
            await fake.wait_for(lambda: sum(event == "end" for event, *_ in seen) == 3)
    finally:
        await runner.cleanup()
    return seen


async def test_webhook_delivery_as_telegram_is_parallel_but_keeps_each_chat_in_order() -> None:
    seen = await _deliveries(telegram_like=True, slow_chat=1)
    order = [(event, update_id) for event, _, update_id, _ in seen]
    # The other chat's update went while the slow chat's first was being handled...
    assert order.index(("end", 3)) < order.index(("end", 1)), order
    # ...and the slow chat's second only once its first was answered.
    assert order.index(("end", 1)) < order.index(("start", 2)), order
    # Connections are kept open: the third delivery came on one the first two opened.
    assert len({port for *_, port in seen}) == 2, seen


async def test_webhook_delivery_for_tests_is_one_at_a_time_in_order() -> None:
    seen = await _deliveries(telegram_like=False, slow_chat=1)
    assert [(event, update_id) for event, _, update_id, _ in seen] == [
        ("start", 1), ("end", 1), ("start", 2), ("end", 2), ("start", 3), ("end", 3)]
    assert len({port for *_, port in seen}) == 3  # a connection of its own each

# -- long polling ---------------------------------------------------------------------------


async def test_get_updates_holds_until_an_update_arrives(fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    poll = asyncio.create_task(call(fake, "getUpdates", timeout=30))
    await fake.wait_until_polling()
    assert not poll.done()
    await chat.send("hi", wait=False)
    status, body = await asyncio.wait_for(poll, timeout=5)
    assert status == 200 and body["result"][0]["message"]["text"] == "hi"
    # Without a higher offset the update is delivered again; the offset confirms it.
    assert len((await call(fake, "getUpdates"))[1]["result"]) == 1
    assert (await call(fake, "getUpdates", offset=2))[1]["result"] == []
    assert fake.updates.pending == []


async def test_get_updates_timeout_and_limit(fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    assert (await call(fake, "getUpdates", timeout=0))[1]["result"] == []
    for text in ("a", "b", "c"):
        await chat.send(text, wait=False)
    result = (await call(fake, "getUpdates", limit=2))[1]["result"]
    assert [u["update_id"] for u in result] == [1, 2]
    assert [u["update_id"] for u in (await call(fake, "getUpdates", offset=-1))[1]["result"]] == [3]


async def test_a_second_poller_terminates_the_first(fake: FakeTelegram) -> None:
    first = asyncio.create_task(call(fake, "getUpdates", timeout=30))
    await fake.wait_until_polling()
    second = asyncio.create_task(call(fake, "getUpdates", timeout=0))
    assert_rejected(await asyncio.wait_for(first, 5), 409, "Conflict: terminated by other")
    assert (await second)[0] == 200


async def test_wait_handled_times_out_without_a_dispatcher(fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    with pytest.raises(AssertionError) as caught:
        await chat.send("anyone there?", timeout=0.2)
    message = str(caught.value)
    assert "update 1 was not handled within 0.2s" in message
    assert "getUpdates calls so far: 0" in message
    assert "→ Amara: anyone there?" in message  # the transcript


async def test_wait_for_times_out_with_transcript(fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    await send_text(fake, "hello")
    with pytest.raises(TimeoutError, match="← #1: hello"):
        await chat.wait_for(lambda: chat.last_text() == "bye", timeout=0.2)


# -- faults and flood limits ----------------------------------------------------------------


async def test_fail_next_answers_429_with_retry_after(fake: FakeTelegram) -> None:
    fake.fail_next("sendmessage", retry_after=3, times=2)
    for _ in range(2):
        assert await send_text(fake, "hi") == (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 3",
                "parameters": {"retry_after": 3},
            },
        )
    assert (await send_text(fake, "hi"))[0] == 200
    fake.fail_next("getMe", status=500, description="Internal Server Error")
    assert (await call(fake, "getMe"))[1] == {
        "ok": False,
        "error_code": 500,
        "description": "Internal Server Error",
    }
    assert [c.source for c in fake.rejected] == ["fault"] * 3


async def test_flood_limits_with_injected_clock(fake: FakeTelegram) -> None:
    now = [100.0]
    fake.enable_flood_limits(global_per_second=3, per_group_per_minute=4, clock=lambda: now[0])
    fake.private_chat(user_id=1001, first_name="Amara")
    fake.group_chat(chat_id=-100123, title="Rosewood team")
    for _ in range(3):
        assert (await call(fake, "sendMessage", chat_id=1001, text="x"))[0] == 200
    limited = await call(fake, "sendMessage", chat_id=1001, text="x")
    assert limited[1]["parameters"] == {"retry_after": 1}
    assert fake.rejected[-1].source == "flood"
    now[0] += 1.0  # the one-second window slid past
    assert (await call(fake, "sendChatAction", chat_id=1001, action="typing"))[0] == 200
    for _ in range(3):
        assert (await call(fake, "sendMessage", chat_id=-100123, text="g"))[0] == 200
        now[0] += 1.0
    assert (await call(fake, "sendMessage", chat_id=-100123, text="g"))[0] == 200
    now[0] += 10.0
    group_limited = await call(fake, "sendMessage", chat_id=-100123, text="g")
    assert_rejected(group_limited, 429, "Too Many Requests: retry after 47")
    assert group_limited[1]["parameters"] == {"retry_after": 47}
    now[0] += 47.0
    assert (await call(fake, "sendMessage", chat_id=-100123, text="g"))[0] == 200
    with pytest.raises(AssertionError, match="retry after"):
        fake.assert_no_rejections()  # flood 429s are the bot's doing


# -- allowed_updates and edited messages ----------------------------------------------------


async def _kinds(fake: FakeTelegram, **params: Any) -> list[str]:
    """The types of the updates getUpdates returns, confirming them."""
    result = (await call(fake, "getUpdates", json_body=params))[1]["result"]
    if result:
        await call(fake, "getUpdates", json_body={"offset": result[-1]["update_id"] + 1,
                                                  "timeout": 0})
    return [next(key for key in update if key != "update_id") for update in result]


async def test_allowed_updates_are_kept_until_changed_and_other_types_never_sent(
        fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    reaction = {"chat": chat.state.to_api(), "message_id": 1, "date": 0,
                "old_reaction": [], "new_reaction": []}
    await chat.send("before", wait=False)
    fake.enqueue_update({"message_reaction": reaction}, chat.id)  # not sent by default
    assert await _kinds(fake, timeout=0) == ["message"]
    assert await _kinds(fake, timeout=0, allowed_updates=["callback_query"]) == []
    assert fake.updates.allowed == ["callback_query"]
    await chat.send("typo", wait=False)
    edited = chat.last_sent_id()
    dropped = await chat.edit(edited, "fixed", wait=False)
    await send_text(fake, "pick", reply_markup={"inline_keyboard": [[{"text": "A",
                                                                        "callback_data": "a"}]]})
    await chat.click("A", wait=False)
    # A getUpdates without allowed_updates keeps the last setting.
    assert await _kinds(fake, timeout=0) == ["callback_query"]
    assert dropped in fake.updates.dropped
    await fake.wait_handled(dropped, timeout=0)  # never sent: nothing to wait for
    assert await _kinds(fake, timeout=0, allowed_updates=[]) == []  # [] is the default again
    assert fake.updates.allowed is None
    await chat.edit(edited, "fixed again", wait=False)
    assert await _kinds(fake, timeout=0) == ["edited_message"]


async def test_an_edit_is_the_whole_message_again_with_its_edit_date(fake: FakeTelegram) -> None:
    chat = fake.private_chat(user_id=1001, first_name="Amara")
    await chat.send("/join ROSE", wait=False)
    sent = chat.last_sent_id()
    await chat.edit(sent, "/join ROSE7KQM", wait=False)
    _, body = await call(fake, "getUpdates", timeout=0)
    original, edit = (update.get("message") or update["edited_message"]
                      for update in body["result"])
    assert "edited_message" in body["result"][1]
    Update.model_validate(body["result"][1])
    assert fake.spec.shape_errors("Update", body["result"][1], "update") == []
    assert edit["message_id"] == original["message_id"] == sent
    assert edit["text"] == "/join ROSE7KQM" and edit["edit_date"] >= original["date"]
    assert edit["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]
    with pytest.raises(AssertionError, match="no text message #99"):
        await chat.edit(99, "nothing there")
