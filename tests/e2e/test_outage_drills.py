"""Fault drills from issue #6 on a real `nearmiss run` process: Telegram down, database down.

Telegram: the fake's gateway answers 502 (nginx's HTML page) to every method for 30 s. The bot
must resume polling by itself, handle what workers sent meanwhile, and deliver every outbox
row queued during the outage, none given up.

Database: for 10 s the bot's database is out of reach: on PostgreSQL a proxy between the bot
and the server resets every connection (the suite's server keeps running for other tests); on
SQLite another connection holds the file's write lock. Every answer sent meanwhile is either
handled afterwards or answered "try again in a minute", and re-sent then: no report loses an
answer, and the process, its outbox sender and /healthz carry on.

Each drill prints its figures (for the README); none is asserted, the outcomes are.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import OutboxMessage, Report, Team, utcnow
from storage.repositories import OutboxRepository
from tests.e2e.flow import no_harm, privacy
from tests.e2e.test_process import BotProcess, _env, _free_port
from tests.helpers.backend import ON_POSTGRES
from tests.helpers.fake_telegram import Call, ChatClient, FakeTelegram
from tests.helpers.tcp_proxy import database_outage

TELEGRAM_OUTAGE = 30.0  # the figure: keep it
DATABASE_OUTAGE = 10.0  # likewise
TIMEOUT = 90.0  # the longest any step may take after recovery before the drill fails
SORRY = "Sorry, something went wrong on my side"
WORKERS = 8  # mid-report when the database goes


class Clock:
    """When each Bot API call was answered, by the test's event loop clock."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.loop = asyncio.get_running_loop()
        self.stamps: list[tuple[float, Call]] = []
        fake.call_hooks.append(lambda call: self.stamps.append((self.loop.time(), call)))

    def now(self) -> float:
        return self.loop.time()

    def first(self, since: float, method: str) -> float | None:
        """When the first successful `method` after `since` was answered."""
        return next((at for at, call in self.stamps
                     if at >= since and call.ok and call.method == method), None)


async def _start(fake: FakeTelegram, database_url: str, tmp_path: Path) -> BotProcess:
    env = _env(database_url, BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url,
               ADMIN_PORT=str(_free_port()), DATA_DIR=str(tmp_path))
    runner = BotProcess(env, tmp_path)
    await runner.start()
    await fake.wait_until_polling(timeout=TIMEOUT)
    return runner


def _alive(runner: BotProcess) -> int:
    """The pid of the first and only process, still running: no crash, no restart."""
    assert runner.process is not None and runner.process.returncode is None, runner.log()
    assert runner.starts == 1
    return runner.process.pid


def _delivered(fake: FakeTelegram, marker: str) -> Counter[int]:
    return Counter(call.params["chat_id"] for call in fake.calls_to("sendMessage")
                   if call.ok and marker in call.params.get("text", ""))


async def _outbox(sessionmaker: async_sessionmaker[AsyncSession], batch: str) -> Counter[str]:
    async with sessionmaker() as session:
        rows = await session.execute(select(OutboxMessage.status, func.count()).where(
            OutboxMessage.batch == batch).group_by(OutboxMessage.status))
        return Counter({status: int(count) for status, count in rows.all()})


async def _retried(sessionmaker: async_sessionmaker[AsyncSession], batch: str) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).where(
            OutboxMessage.batch == batch, OutboxMessage.attempts > 0)) or 0)


# -- Telegram unavailable ------------------------------------------------------------------


async def test_telegram_502_for_30_s_then_polling_resumes_and_nothing_is_lost(
        fake: FakeTelegram, database_url: str, tmp_path: Path, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    groups = [fake.group_chat(-3_000_000 - i, f"Team group {i}").id for i in range(20)]
    contacts = [fake.private_chat(5_000 + i, f"Contact {i}").id for i in range(20)]
    workers = [fake.private_chat(6_000 + i, f"Worker {i}") for i in range(12)]
    batch = "bulletin:outage"
    runner = await _start(fake, database_url, tmp_path)
    clock = Clock(fake)
    try:
        pid = _alive(runner)
        fake.start_outage(502)  # nginx's HTML page, as Telegram's front answers
        began = clock.now()
        async with sessionmaker.begin() as session:  # a bulletin and escalation alerts
            repo = OutboxRepository(session)
            await repo.enqueue(batch=batch, kind="bulletin", messages=[
                (chat_id, True, f"<b>Learning</b> {batch}") for chat_id in groups])
            await repo.enqueue(batch=batch, kind="escalation", messages=[
                (chat_id, False, f"Escalation {batch}") for chat_id in contacts])
        for worker in workers:
            await worker.send(f"/start {team.code}", wait=False)
        await asyncio.sleep(TELEGRAM_OUTAGE - (clock.now() - began))  # the outage itself
        during = await _outbox(sessionmaker, batch)
        log_during = runner.log()
        fake.end_outage()
        recovered = clock.now()
        await fake.wait_for(lambda: clock.first(recovered, "getUpdates"), timeout=TIMEOUT)
        await fake.wait_for(lambda: all("Question 1 of" in w.last_text() for w in workers),
                            timeout=TIMEOUT)
        answered = clock.now()
        await fake.wait_for(lambda: len(_delivered(fake, batch)) == 40, timeout=TIMEOUT)
        delivered_at = clock.now()
        for _ in range(int(TIMEOUT * 10)):  # the last sends are marked just after Telegram's ok
            if await _outbox(sessionmaker, batch) == Counter(sent=40):
                break
            await asyncio.sleep(0.1)
        assert _alive(runner) == pid
    finally:
        await runner.kill()
    resumed = clock.first(recovered, "getUpdates")
    assert resumed is not None
    deliveries = _delivered(fake, batch)
    after = await _outbox(sessionmaker, batch)
    retried = await _retried(sessionmaker, batch)
    refused = sum(1 for at, call in clock.stamps if began <= at < recovered and not call.ok)
    log = runner.log()
    print(f"\nTelegram 502 drill ({TELEGRAM_OUTAGE:.0f} s): polling resumed "
          f"{resumed - recovered:.1f} s after recovery; {len(workers)} updates sent during the "
          f"outage all answered {answered - recovered:.1f} s after recovery; "
          f"{len(deliveries)}/40 outbox rows delivered {delivered_at - recovered:.1f} s after "
          f"recovery ({retried} after retries), {after['failed']} failed; {refused} calls "
          f"refused during the outage; {len(log_during.splitlines())} log lines by its end")
    assert during["failed"] == 0, during  # 30 s of 502 gives nothing up
    assert set(deliveries) == set(groups) | set(contacts) and max(deliveries.values()) == 1
    assert after == Counter(sent=40)
    assert retried > 0, "the outage must have hit the sender"
    for worker in workers:  # each update handled once: one first question each
        assert sum("Question 1 of" in text for text in worker.texts()) == 1, worker.transcript()
    assert log.count("Start polling") == 1 and "Traceback" not in log, log


# -- database unavailable -----------------------------------------------------------------


async def _reply(chat: ChatClient, before: int, *expected: str) -> str:
    """Wait for a new bot text (a message or an edit) containing one of `expected`; return
    that text."""
    def seen() -> str | None:
        return next((text for text in chat.arrivals[before:]
                     for want in expected if want in text), None)

    found: str = await chat.wait_for(seen, timeout=TIMEOUT)
    return found


async def _step(chat: ChatClient, act: object, expect: str) -> None:
    before = len(chat.arrivals)
    await act  # type: ignore[misc]
    await _reply(chat, before, expect)


async def _finish(chat: ChatClient, n: int) -> None:
    """From question 3 to the reference number, as test_process's killed-bot report does."""
    await _step(chat, chat.send("22:15", wait=False), "Question 4 of")
    await _step(chat, chat.click("Kitchen", wait=False), "Question 5 of")
    await _step(chat, chat.click("Environment and equipment", wait=False), "Question 6 of")
    await _step(chat, chat.send(f"Kettle flex {n} across the worktop", wait=False),
                "Question 7 of")
    await _step(chat, chat.send("Moved the kettle", wait=False), "Question 8 of")
    await _step(chat, chat.click("Skip", wait=False), "Question 9 of")
    await _step(chat, chat.click("Nobody yet", wait=False), "Question 10 of")
    await _step(chat, chat.click("Skip", wait=False), "Question 11 of")
    await _step(chat, privacy(chat, wait=False), "Please check your report")
    await _step(chat, chat.click("Submit report", wait=False), "NM-")


async def test_database_unavailable_for_10_s_loses_no_answer_and_the_process_carries_on(
        fake: FakeTelegram, database_url: str, tmp_path: Path, team: Team,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    workers = [fake.private_chat(7_000 + i, f"Worker {i}") for i in range(WORKERS)]
    groups = [fake.group_chat(-4_000_000 - i, f"Team group {i}").id for i in range(5)]
    async with database_outage(database_url) as outage:
        runner = await _start(fake, outage.bot_url, tmp_path)
        clock = Clock(fake)
        port = runner.env["ADMIN_PORT"]
        try:
            pid = _alive(runner)
            for worker in workers:
                await _step(worker, worker.send(f"/start {team.code}", wait=False), "Question 1")
                await _step(worker, no_harm(worker, wait=False), "Question 2 of")
            sent_at = [len(worker.arrivals) for worker in workers]
            await outage.cut()
            began = clock.now()
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                for worker in workers:  # answers arriving all through the outage
                    await worker.send("yesterday", wait=False)
                    await asyncio.sleep(DATABASE_OUTAGE / (len(workers) + 1))
                health_during = (await http.get("/healthz", timeout=5)).json()
                await asyncio.sleep(max(0.0, DATABASE_OUTAGE - (clock.now() - began)))
                await outage.restore()
                restored = clock.now()
                outcomes = await asyncio.gather(*(
                    _reply(w, n, "Question 3 of", SORRY) for w, n in zip(workers, sent_at,
                                                                        strict=True)))
                answered = clock.now()
                sorry = [w for w, text in zip(workers, outcomes, strict=True) if SORRY in text]
                for worker in sorry:  # "try again in a minute": the worker does
                    await _step(worker, worker.send("yesterday", wait=False), "Question 3 of")
                await asyncio.gather(*(_finish(w, i) for i, w in enumerate(workers)))
                health_after = (await http.get("/healthz", timeout=5)).json()
            async with sessionmaker.begin() as session:  # the outbox sender is still at work
                await OutboxRepository(session).enqueue(batch="bulletin:after", kind="bulletin",
                                                        messages=[(c, True, "After the outage")
                                                                  for c in groups])
            await fake.wait_for(lambda: len(_delivered(fake, "After the outage")) == 5,
                                timeout=TIMEOUT)
            assert _alive(runner) == pid
        finally:
            await outage.restore()
            await runner.kill()
    log = runner.log()
    refused = outage.proxy.refused if outage.proxy else 0
    print(f"\nDatabase drill ({'PostgreSQL proxy cut' if ON_POSTGRES else 'SQLite write lock'}, "
          f"{DATABASE_OUTAGE:.0f} s): {len(workers) - len(sorry)}/{len(workers)} answers sent "
          f"during the outage handled after it, {len(sorry)} answered 'try again' and re-sent; "
          f"all first replies in by {answered - restored:+.1f} s from recovery; {refused} "
          f"connections refused; outbox delivered after it; "
          f"{log.count('Traceback')} tracebacks, {len(log.splitlines())} log lines")
    assert health_during["ok"] and health_after == {"ok": True, "bot": "running"}
    assert log.count("Start polling") == 1
    async with sessionmaker() as session:
        reports = list(await session.scalars(select(Report).order_by(Report.what_happened)))
    assert len(reports) == len(workers)  # every report complete, with every answer
    yesterday = (utcnow() - timedelta(days=1)).date()
    for n, report in enumerate(reports):
        assert report.what_happened == f"Kettle flex {n} across the worktop"
        assert abs(report.occurred_date - yesterday).days <= 1  # "yesterday" in Europe/London
        assert report.occurred_time is not None
        assert report.occurred_time.strftime("%H:%M") == "22:15"
        assert (report.place, report.how_prevented) == ("Kitchen", "Moved the kettle")
