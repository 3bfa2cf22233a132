"""The Bot API calls of the report flow, with answers read only as far as the flow needs.

aiogram parses every answer into the method's full return type: for sendMessage and the edits,
the whole Message Telegram sends back, with the question's keyboard echoed in it. The flow
needs at most the id of a message it sent, and under load that parsing was a visible share of
every update's cost; these variants of the same methods (the same calls, checked as strictly by
the fake Bot API) read only the id.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.methods import EditMessageReplyMarkup, EditMessageText, SendMessage
from pydantic import BaseModel, ConfigDict


class Sent(BaseModel):
    """The message a call made or changed, as far as the flow reads it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    message_id: int


class SendText(SendMessage):
    """sendMessage, answered with the new message's id."""

    # aiogram types __returning__ as the value SendMessage gives it (Message); answering with a
    # smaller model is the point of this class, so the narrower override stays.
    __returning__ = Sent  # type: ignore[assignment]


class EditText(EditMessageText):
    """editMessageText, answered with the message's id (or True for an inline message)."""

    __returning__ = Sent | bool


class EditMarkup(EditMessageReplyMarkup):
    """editMessageReplyMarkup, answered as editMessageText is."""

    __returning__ = Sent | bool


async def send_text(bot: Bot, method: SendText) -> Sent:
    """Make the call and return its Sent. aiogram's types take SendText's answer for
    sendMessage's Message, so the answer is checked to be the Sent it is."""
    answer = await bot(method)
    if not isinstance(answer, Sent):
        raise TypeError(f"sendMessage answered {type(answer).__name__}, not Sent")
    return answer
