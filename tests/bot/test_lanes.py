"""bot/sending/lanes.py: one lane per chat, and abandoning them stops every one."""

from __future__ import annotations

import asyncio
import contextlib
from types import SimpleNamespace
from typing import Any

from bot.sending.lanes import Lanes


def _rows(chat_id: int, *ids: int) -> list[Any]:
    return [SimpleNamespace(id=n, chat_id=chat_id) for n in ids]


async def test_abandoned_lanes_stop_even_when_a_cancellation_is_lost() -> None:
    # A send whose cancellation is lost (as Python 3.11's asyncio.wait_for can lose one)
    # finishes; its lane must not go on to the chat's next rows.
    sent: list[int] = []
    started = asyncio.Event()

    async def deliver(row: Any) -> bool:
        started.set()
        if row.id == 1:  # only the send in hand when the lanes are abandoned
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(3600)
        else:
            await asyncio.sleep(3600)
        sent.append(row.id)
        return True

    lanes = Lanes(deliver, stopping=lambda: False, on_failure=lambda: None)
    lanes.add(_rows(1, 1, 2, 3) + _rows(2, 4, 5))
    await asyncio.wait_for(started.wait(), 1)
    await asyncio.sleep(0)  # both lanes are sending their first row
    await asyncio.wait_for(lanes.abandon(), 1)
    assert sent == [1]  # chat 1's lane finished its send and stopped; chat 2's was cancelled
    assert lanes.held == 4  # rows 2 to 5 stay claimed, as a killed sender's do


async def test_a_chats_rows_go_in_id_order_while_chats_go_side_by_side() -> None:
    order: list[tuple[int, int]] = []

    async def deliver(row: Any) -> bool:
        order.append((row.chat_id, row.id))
        await asyncio.sleep(0)
        return True

    lanes = Lanes(deliver, stopping=lambda: False, on_failure=lambda: None)
    lanes.add(_rows(1, 3, 1) + _rows(2, 2))
    await asyncio.wait_for(lanes.finish(), 1)
    assert [n for chat, n in order if chat == 1] == [1, 3]
    assert order.index((2, 2)) < order.index((1, 3))  # not behind chat 1's second row
    assert lanes.held == 0
