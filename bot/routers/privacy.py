"""Data rights in the chat: /mydata (a copy of what is held), /forgetme (erasure), /myid.

Both data-rights commands are audited by PrivacyRepository (privacy_log) and committed before
the person hears the result. Nothing here logs a Telegram id: these handlers exist to give
people control over exactly that.
"""

from __future__ import annotations

import json
import secrets

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.filters import FROM_PRIVATE, IN_PRIVATE, data_starts
from bot.rendering import single_button
from bot.turn import Turn
from conversations import N_, Msg
from storage.repositories import PrivacyRepository

ACTOR = "reporter (bot)"
FILENAME = "nearmiss-my-data.json"
PREFIX = "forget|"
# FSM data key of the confirmation /forgetme is waiting for: only the newest one's buttons work,
# and the erasure deletes it with the rest of the person's state, so a second tap finds none.
PENDING = "forget"

MY_DATA = N_("Here is a copy of everything held about you: your team, your language, and each "
             "report that carries your name, with what was done about it.\n\nReports with your "
             "name: {count}. Anonymous reports are not included: nothing links them to you, so "
             "they cannot be found.")
STILL_WRITING = N_("You still have a report in progress.")
ASK = N_("Erase your details?\n\nYour name and Telegram details will be removed from all your "
         "reports. The reports stay, without your name, so your team can still learn from them. "
         "You will no longer get \"You said, we did\" messages about them, and you will need "
         "your team code again to report.")
ASK_DRAFT = N_("The report you are writing now will be discarded too.")
YES = N_("Yes, erase my details")
NO = N_("No, keep them")
ERASED = N_("Done. Your name and Telegram details have been erased. Reports de-identified: "
            "{count}. Reports stay, without names, so others can learn from them.\n\nTo "
            "report again, send /join with your team code.")
KEPT = N_("Nothing has changed: your details are kept.")
STALE = N_("This button is no longer valid: it may have been used already. Send /forgetme to "
           "start again.")
MY_ID = N_("Your Telegram number is {number}. Give it to your administrator if you are to "
           "receive on-call or safeguarding alerts.")


async def my_data(message: Message, turn: Turn) -> None:
    assert turn.user is not None  # a private chat's message always has a sender
    export = await PrivacyRepository(turn.repos.session).export(
        telegram_user_id=turn.user.id, reporter=turn.reporter, actor=ACTOR)
    content = json.dumps(export, ensure_ascii=False, indent=2).encode()
    caption = turn.tr.text(Msg(MY_DATA, {"count": len(export["reports"])}), turn.language)
    await turn.commit_before_speaking()  # the access is on record before anything leaves
    await turn.bot.send_document(turn.chat_id, BufferedInputFile(content, FILENAME),
                                 caption=caption)
    if await turn.draft() is not None:
        # The draft is untouched; one tap takes a tired worker back to where they were.
        label = turn.tr.gettext(N_("Carry on with my report"), turn.language)
        await turn.say(Msg(STILL_WRITING), reply_markup=single_button(label, "go|report"))


async def forget_me(message: Message, turn: Turn) -> None:
    token = secrets.token_urlsafe(6)
    await turn.state.update_data({PENDING: token})
    text = turn.tr.text(Msg(ASK), turn.language)
    if await turn.draft() is not None:
        text += "\n\n" + turn.tr.text(Msg(ASK_DRAFT), turn.language)
    buttons = [[InlineKeyboardButton(text=turn.tr.gettext(label, turn.language),
                                     callback_data=f"{PREFIX}{choice}|{token}")]
               for label, choice in ((YES, "yes"), (NO, "no"))]
    await turn.commit_before_speaking()
    await turn.bot.send_message(turn.chat_id, text,
                                reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons))


async def forget_answered(query: CallbackQuery, turn: Turn) -> None:
    choice, _, token = (query.data or "")[len(PREFIX):].partition("|")
    data = await turn.state.get_data()
    if not token or data.get(PENDING) != token or choice not in ("yes", "no"):
        await turn.acknowledge(query, Msg(STALE))
    elif choice == "no":
        del data[PENDING]
        await turn.state.set_data(data)
        await turn.acknowledge(query)
        await turn.say(Msg(KEPT))
    else:
        assert turn.user is not None
        # Also deletes the Reporter row and every FSM row of this chat, this token included.
        references = await PrivacyRepository(turn.repos.session).erase(
            telegram_user_id=turn.user.id,
            reporter_key=turn.repos.reporters.key_for(turn.user.id), actor=ACTOR)
        await turn.commit_before_speaking()
        # The state may live in Redis, out of the erasure's reach: cleared here, after the
        # erasure is on record, through whichever storage the dispatcher has.
        await turn.state.clear()
        await turn.acknowledge(query)
        await turn.say(Msg(ERASED, {"count": len(references)}))
    await _tidy(query)


async def my_id(message: Message, turn: Turn) -> None:
    assert turn.user is not None
    # A string, not a number: Babel would group the digits ("1,234,567").
    await turn.say(Msg(MY_ID, {"number": str(turn.user.id)}))


async def _tidy(query: CallbackQuery) -> None:
    """Take the buttons off the question, so it cannot be answered twice by accident."""
    if not isinstance(query.message, Message) or query.message.reply_markup is None:
        return
    try:
        await query.message.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest:
        pass  # too old or already changed: the answer below is what matters


def create_router() -> Router:
    router = Router(name="privacy")
    router.message.filter(IN_PRIVATE)
    router.callback_query.filter(FROM_PRIVATE)
    router.message.register(my_data, Command("mydata"))
    router.message.register(forget_me, Command("forgetme"))
    router.message.register(my_id, Command("myid"))
    router.callback_query.register(forget_answered, data_starts(PREFIX))
    return router
