"""Answering the report flow in end-to-end tests: the labels, and taps that work in any language.

The harm question comes first and the privacy question last; tests about other things
answer them with these, so a change of wording is one edit here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.helpers.fake_telegram import ChatClient

QUESTIONS = 11  # "Question 1 of 11"

NO_HARM = "No, nobody was harmed and I have no concern"
HARMED = "Yes, someone was hurt or harmed"
CONCERN = "Yes, I have a safeguarding concern"
BOTH = "Yes, both"
PRIVACY = ("Named", "Confidential", "Anonymous")


async def choose(chat: ChatClient, step: str, index: int, *, wait: bool = True) -> int:
    """Tap the index-th choice of `step` on the newest message showing it, whatever its label
    says in the worker's language (the labels of new questions are translated later)."""
    data = f"r|{step}|c{index}"
    for message in reversed(chat.state.live_messages()):
        if any(button_data == data for row in message.buttons for _, button_data in row):
            return await chat.click_data(data, message.message_id, wait=wait)
    raise AssertionError(f"no {data!r} button in chat {chat.id}\n{chat.transcript()}")


async def no_harm(chat: ChatClient, *, wait: bool = True) -> int:
    """Answer the first question: nobody harmed, no safeguarding concern."""
    return await choose(chat, "harm", 0, wait=wait)


async def privacy(chat: ChatClient, choice: str = "named", *, wait: bool = True) -> int:
    """Answer the last question: named, confidential or anonymous."""
    index = ("named", "confidential", "anonymous").index(choice)
    return await choose(chat, "confidentiality", index, wait=wait)


def days_ago(days: int) -> str:
    """A date as a worker types it (21/11), `days` before today where the tests' bot is: a
    typed date never in the future, whatever day the tests run."""
    return (datetime.now(ZoneInfo("Europe/London")) - timedelta(days=days)).strftime("%d/%m")
