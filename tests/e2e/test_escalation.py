"""Harm and safeguarding are escalated, not queued: the contacts hear at once, through the
outbox, and a contact who cannot be reached shows as a failure instead of vanishing."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dispatcher import create_bot
from bot.sending import OutboxSender
from core.settings import Settings
from nearmiss.bot_in_app import BotInApp
from storage.models import Escalation, OutboxMessage, Report, ReportIdentity, Team, TeamContact
from storage.repositories import GroupRepository, OutboxRepository
from tests.e2e.flow import BOTH, CONCERN, HARMED, NO_HARM
from tests.e2e.test_learning_flash import LEAD, _link_group
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import ChatClient, FakeTelegram

Maker = async_sessionmaker[AsyncSession]
WORKER = 1001
CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"


async def _contact(sessionmaker: Maker, team: Team, user_id: int, name: str, *,
                   role: str = "on_call", active: bool = True) -> None:
    """A contact as an administrator sets one up for the team."""
    async with sessionmaker.begin() as session:
        session.add(TeamContact(team_id=team.id, name=name, role=role,
                                telegram_user_id=user_id, active=active))


async def _deliver(settings: Settings, sessionmaker: Maker) -> None:
    """What the sender inside `nearmiss run` does, with its real group-unlinking hook."""
    bot = create_bot(settings)
    try:
        await BotInApp(settings, sessionmaker, enabled=True)._sender(bot).drain()
    finally:
        await bot.session.close()


async def _finish(chat: ChatClient, privacy: str = "Named") -> None:
    """The rest of a quick report, up to the summary."""
    for label in ("Yesterday", "Morning", "Kitchen", "Medication"):
        await chat.click(label)
    await chat.send("A resident took the wrong tablets at breakfast")
    await chat.send("Nothing stopped it; the nurse was called at once")
    await chat.click("Skip")
    await chat.click("Nurse")
    await chat.click("Done")
    await chat.click("Skip")
    await chat.click(privacy)
    assert "Please check your report" in chat.last_text()


async def _escalations(sessionmaker: Maker) -> list[Escalation]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Escalation).order_by(Escalation.id)))


async def _rows(sessionmaker: Maker) -> list[OutboxMessage]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_harm_alerts_the_contact_at_once_and_the_report_is_a_serious_incident(
        fake: FakeTelegram, running: RunningBot, team: Team, settings: Settings,
        sessionmaker: Maker) -> None:
    priya = fake.private_chat(5101, "Priya")
    away = fake.private_chat(5109, "Gareth")
    await _contact(sessionmaker, team, 5101, "Priya")
    await _contact(sessionmaker, team, 5109, "Gareth", role="safeguarding", active=False)
    chat = fake.private_chat(WORKER, "Amara", username="amara_w")
    await chat.send(f"/start {team.code}")
    harm_question = chat.last_message()
    assert harm_question is not None
    await chat.click(HARMED)
    guidance = chat.texts()[-2]
    assert guidance.startswith("This is an incident, not a near miss.")
    assert "incident and safeguarding procedure now" in guidance and "call 999" in guidance
    assert "I have alerted your team's on-call and safeguarding contacts." in guidance
    assert "Question 2 of 11" in chat.last_text()  # never left without the next step
    # A double tap and a restart raise nothing more.
    await chat.click_data("r|harm|c1", message_id=harm_question.message_id)
    assert "That button belongs to an earlier question" in chat.last_text()
    await running.restart()
    [escalation] = await _escalations(sessionmaker)
    assert (escalation.team_id, escalation.someone_harmed) == (team.id, True)
    assert not escalation.safeguarding_concern and escalation.report_id is None
    [row] = await _rows(sessionmaker)
    assert (row.batch, row.kind, row.chat_id, row.is_group, row.status) == (
        f"escalation:{escalation.id}", "escalation", 5101, False, "pending")

    await _deliver(settings, sessionmaker)
    alert = priya.last_text()
    assert alert.startswith(f"Urgent, from nearmiss (alert {escalation.id})")
    assert "a worker in Rosewood House has just reported that someone was hurt or harmed" in alert
    for identifying in ("Amara", "amara_w", str(WORKER)):
        assert identifying not in alert

    await _finish(chat)
    assert f"Harm or safeguarding: {HARMED}" in chat.last_text()
    await chat.click("Submit report")
    thanks = chat.last_text()
    assert "recorded as an incident" in thanks and "marked serious" in thanks
    assert "contacts have been sent the reference" in thanks
    async with sessionmaker() as session:
        report = (await session.scalars(select(Report))).one()
        linked = await session.get(Escalation, escalation.id)
        assert await session.get(ReportIdentity, report.id) is not None
    assert (report.kind, report.tier, report.someone_harmed) == ("incident", "serious", True)
    assert linked is not None and linked.report_id == report.id
    await _deliver(settings, sessionmaker)
    follow_up = priya.last_text()
    assert f"alert {escalation.id}" in follow_up and report.reference in follow_up
    assert "wrong tablets" not in follow_up  # the worker's words stay in the admin
    assert away.messages == []  # an inactive contact is never told


async def test_a_contact_who_never_started_the_bot_fails_visibly_and_others_are_told(
        fake: FakeTelegram, running: RunningBot, team: Team, settings: Settings,
        sessionmaker: Maker) -> None:
    fake.private_chat(LEAD, "Dee")
    await _link_group(fake, sessionmaker, team.id, -1001, "Rosewood day shift")
    priya = fake.private_chat(5201, "Priya")
    fake.known_user(5202, "Owen")  # set up in the admin, but never opened the bot
    fake.expect_refusal("sendMessage", 5202, 403)
    await _contact(sessionmaker, team, 5201, "Priya")
    await _contact(sessionmaker, team, 5202, "Owen", role="safeguarding")
    chat = fake.private_chat(WORKER, "Amara")
    await chat.send(f"/start {team.code}")
    await chat.click(CONCERN)
    assert "I have alerted" in chat.texts()[-2]
    [escalation] = await _escalations(sessionmaker)
    assert escalation.safeguarding_concern and not escalation.someone_harmed

    await _deliver(settings, sessionmaker)
    assert "they have a safeguarding concern" in priya.last_text()
    batch = f"escalation:{escalation.id}"
    async with sessionmaker() as session:
        outbox = OutboxRepository(session)
        assert await outbox.status_counts(batch=batch) == {"sent": 1, "failed": 1}
        [failure] = await outbox.failures(batch=batch)
        link = await GroupRepository(session).get(chat_id=-1001)
    assert (failure.chat_id, failure.error, failure.attempts) == (5202, CANT_INITIATE, 1)
    assert link is not None and link.active  # a person's 403 never unlinks a group

    # The worker changes the answer: the contacts were told, so it stays an incident.
    await _finish(chat, "Anonymous")
    await chat.click("Change: Harm or safeguarding")
    await chat.click(NO_HARM)
    assert f"Harm or safeguarding: {NO_HARM}" in chat.last_text()
    await chat.click("Submit report")
    async with sessionmaker() as session:
        report = (await session.scalars(select(Report))).one()
        assert await session.get(ReportIdentity, report.id) is None
    assert (report.kind, report.tier, report.confidentiality) == (
        "incident", "serious", "anonymous")
    assert not report.safeguarding_concern
    await _deliver(settings, sessionmaker)
    await _deliver(settings, sessionmaker)  # nothing is retried for ever
    assert report.reference in priya.last_text()
    async with sessionmaker() as session:
        counts = await OutboxRepository(session).status_counts(batch=f"{batch}:report")
    assert counts == {"sent": 1, "failed": 1}
    refused = [c for c in fake.calls_to("sendMessage") if c.params["chat_id"] == 5202]
    assert len(refused) == 2  # the alert and the follow-up, each tried once


async def test_with_no_contact_the_worker_is_told_to_phone_and_the_escalation_is_kept(
        fake: FakeTelegram, running: RunningBot, team: Team,
        sessionmaker: Maker) -> None:
    fake.private_chat(5301, "Gareth")
    await _contact(sessionmaker, team, 5301, "Gareth", active=False)
    chat = fake.private_chat(WORKER, "Amara")
    await chat.send(f"/start {team.code}")
    await chat.click(BOTH)
    guidance = chat.texts()[-2]
    assert "This is an incident, not a near miss." in guidance and "call 999" in guidance
    assert "No contact is set up for your team in nearmiss" in guidance
    assert "please phone your manager or on-call now" in guidance
    assert "I have alerted" not in guidance
    assert "Question 2 of 11" in chat.last_text()
    # The worker stops there: the escalation stays on record for the admin.
    await chat.click("Cancel")
    await chat.click("Yes, discard it")
    [escalation] = await _escalations(sessionmaker)
    assert escalation.someone_harmed and escalation.safeguarding_concern
    assert escalation.report_id is None
    assert await _rows(sessionmaker) == []


async def test_a_private_chat_that_refuses_a_message_fails_its_row_and_unlinks_nothing(
        fake: FakeTelegram, sessionmaker: Maker, settings: Settings) -> None:
    blocked = fake.private_chat(5401, "Ceri")
    blocked.block()
    fake.known_user(5402, "Dai")
    group = fake.group_chat(-1005, "Rosewood night shift")
    gone = fake.group_chat(-1006, "Old group")
    gone.remove_bot()
    for chat_id, status in ((5401, 403), (5402, 403), (5403, 400), (-1006, 403)):
        fake.expect_refusal("sendMessage", chat_id, status)
    async with sessionmaker.begin() as session:
        await OutboxRepository(session).enqueue(batch="escalation:1", kind="escalation", messages=[
            (5401, False, "Urgent"), (5402, False, "Urgent"), (5403, False, "Urgent"),
            (-1005, True, "Learning"), (-1006, True, "Learning")])
    forbidden: list[int] = []

    async def on_forbidden(chat_id: int) -> None:
        forbidden.append(chat_id)

    bot = create_bot(settings)
    try:
        sender = OutboxSender(bot, sessionmaker, worker_id="test", on_forbidden=on_forbidden)
        await sender.drain()
        await sender.drain()
    finally:
        await bot.session.close()
    assert forbidden == [-1006]  # only a group's 403 reaches the unlinking hook
    assert group.last_text() == "Learning"
    async with sessionmaker() as session:
        failures = {row.chat_id: (row.error, row.attempts)
                    for row in await OutboxRepository(session).failures(batch="escalation:1")}
    assert failures == {5401: ("Forbidden: bot was blocked by the user", 1),
                        5402: (CANT_INITIATE, 1), 5403: ("Bad Request: chat not found", 1),
                        -1006: ("Forbidden: bot was kicked from the supergroup chat", 1)}
    sends = Counter(call.params["chat_id"] for call in fake.calls_to("sendMessage"))
    assert sends == Counter({5401: 1, 5402: 1, 5403: 1, -1005: 1, -1006: 1})
