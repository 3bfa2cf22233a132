"""The fake Bot API's webhooks: set against polling, delivery in parallel like Telegram or one
at a time for tests."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from tests.fake_telegram.raw import assert_rejected, call
from tests.helpers.fake_telegram import FakeTelegram

pytestmark = pytest.mark.e2e


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
