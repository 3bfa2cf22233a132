"""A message edited in Telegram: a typed answer still in the draft takes the new text.

Telegram sends an edit as an update of its own (edited_message), carrying the message's id.
The draft records the message each typed answer came in (conversations.edits), so an edit of
one of them changes that answer and shows where the worker is, with a line saying so. Any
other edit gets one line saying it changed nothing and what to do instead: staying silent
would leave a worker believing their correction was taken.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message

from bot.filters import IN_PRIVATE
from bot.turn import Flow, Turn
from conversations import N_, Msg, answered_in, needs, revise

ALREADY_SENT = N_("Editing a message doesn't change a report that has already been sent. To "
                  "add something to a report you have sent, tell your manager, or send /report "
                  "and mention its reference in a new report.")
EDITED_CODE = N_("If you were correcting your team code, please send it again as a new "
                 "message.")


async def message_edited(message: Message, turn: Turn) -> None:
    draft = await turn.draft()
    joining = await turn.state.get_state() == Flow.joining.state
    if draft is not None and (not joining or answered_in(draft, message.message_id)):
        result = revise(draft, message.message_id, message.text or "",
                        await turn.context(needs(draft.step)))
        assert result.draft is not None and result.prompt is not None
        await turn.keep(result.draft)
        await turn.show(result.prompt)
    elif joining:
        await turn.say(Msg(EDITED_CODE))
    else:
        await turn.say(Msg(ALREADY_SENT))


def create_router() -> Router:
    router = Router(name="edits")
    router.edited_message.filter(IN_PRIVATE)
    router.edited_message.register(message_edited)
    return router
