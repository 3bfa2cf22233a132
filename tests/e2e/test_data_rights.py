"""A worker's data rights in the chat: /mydata sends what is held, /forgetme erases, /myid."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings, identity_key
from storage.models import FsmRecord, PrivacyEvent, Report, Reporter, ReportIdentity, Team
from storage.repositories import ReporterRepository
from storage.schemas import ReporterIdentity
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import FakeTelegram
from tests.helpers.fake_telegram.client import ChatClient
from tests.storage.builders import store_report

WORKER = 5_123_456_789  # above a 32-bit int, as real Telegram ids are
COLLEAGUE = 5_000_000_002


@dataclass(frozen=True)
class Held:
    named: str
    confidential: str
    anonymous: str
    colleagues: str


@pytest.fixture
async def held(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings,
               team: Team) -> Held:
    """A team member with a named, a confidential and an anonymous report; a colleague's too."""
    me = ReporterIdentity(WORKER, "Siân", "sian_rosewood")
    async with sessionmaker() as session:
        reporters = ReporterRepository(session, identity_key=identity_key(settings))
        await reporters.update(await reporters.create(telegram_user_id=WORKER), team_id=team.id)
        named = await store_report(session, team.id, confidentiality="named", identity=me)
        confidential = await store_report(session, team.id, confidentiality="confidential",
                                          identity=me, what_happened="Bed rail left down.")
        anonymous = await store_report(session, team.id)
        colleagues = await store_report(session, team.id, confidentiality="named",
                                        identity=ReporterIdentity(COLLEAGUE, "Ben"))
        await session.commit()
        return Held(named.reference, confidential.reference, anonymous.reference,
                    colleagues.reference)


def _file(chat: ChatClient) -> dict[str, Any]:
    document = chat.documents[-1]
    assert document.filename == "nearmiss-my-data.json"
    return json.loads(document.content.decode("utf-8"))


async def _log(sessionmaker: async_sessionmaker[AsyncSession]) -> list[PrivacyEvent]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(PrivacyEvent).order_by(PrivacyEvent.id)))


async def _identities(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessionmaker() as session:
        rows = await session.execute(select(Report.reference, ReportIdentity.telegram_user_id)
                                     .join(ReportIdentity, ReportIdentity.report_id == Report.id))
        return {reference: user_id for reference, user_id in rows.all()}


async def test_mydata_sends_the_named_and_confidential_reports_never_the_anonymous(
        fake: FakeTelegram, running: RunningBot, held: Held,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(WORKER, "Siân", username="sian_rosewood")
    await chat.send("/mydata")
    data = _file(chat)
    assert [r["reference"] for r in data["reports"]] == [held.named, held.confidential]
    assert [r["confidentiality"] for r in data["reports"]] == ["named", "confidential"]
    assert data["reports"][0]["identity_stored"] == {
        "telegram_user_id": WORKER, "first_name": "Siân", "username": "sian_rosewood"}
    assert data["reports"][1]["what_happened"] == "Bed rail left down."
    assert data["membership"]["team"] == "Rosewood House"
    assert "Siân".encode() in chat.documents[-1].content  # UTF-8 as written, not \u escapes
    caption = chat.last_text()
    assert "Reports with your name: 2" in caption
    assert "Anonymous reports are not included" in caption
    [access] = await _log(sessionmaker)
    assert (access.actor, access.action, access.report_count) == ("reporter (bot)", "access", 2)
    assert access.detail == f"{held.named}, {held.confidential}"


async def test_mydata_leaves_a_report_in_progress_where_it_was(
        fake: FakeTelegram, running: RunningBot, held: Held) -> None:
    chat = fake.private_chat(WORKER, "Siân")
    await chat.send("/report")
    first_question = chat.last_text()
    await chat.send("/mydata")
    assert len(chat.documents) == 1
    assert "You still have a report in progress" in chat.last_text()
    await chat.click("Carry on with my report")
    assert "Let's carry on where you were" in chat.texts()[-2]
    assert chat.last_text() == first_question


async def test_forgetme_no_keeps_everything_and_a_forged_button_erases_nothing(
        fake: FakeTelegram, running: RunningBot, held: Held,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(WORKER, "Siân")
    before = await _identities(sessionmaker)
    await chat.send("/forgetme")
    assert "Your name and Telegram details will be removed" in chat.last_text()
    assert "discarded" not in chat.last_text()  # nothing in progress, nothing to warn about
    assert chat.buttons() == ["Yes, erase my details", "No, keep them"]
    await chat.click_data("forget|yes|forged")
    assert chat.callback_answers[-1].text is not None
    assert "no longer valid" in chat.callback_answers[-1].text
    await chat.send("/forgetme")
    await chat.click("No, keep them")
    assert "Nothing has changed" in chat.last_text()
    assert await _identities(sessionmaker) == before
    assert await _log(sessionmaker) == []
    await chat.send("/report")
    assert "Question 1 of" in chat.last_text()  # still in the team


async def test_forgetme_yes_erases_the_identity_and_the_reporter_but_keeps_the_reports(
        fake: FakeTelegram, running: RunningBot, held: Held,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    chat = fake.private_chat(WORKER, "Siân")
    await chat.send("/report")  # a report in progress
    await chat.send("/forgetme")
    assert "The report you are writing now will be discarded too" in chat.last_text()
    question = chat.last_message()
    assert question is not None
    yes = next(data for label, data in question.buttons[0] if label == "Yes, erase my details")
    assert yes is not None and len(yes.encode()) <= 64
    await chat.click("Yes, erase my details")
    assert "Reports de-identified: 2" in chat.last_text()
    tidied = chat.state.bot_message(question.message_id)
    assert tidied is not None and tidied.buttons == []  # not answered twice by accident

    assert await _identities(sessionmaker) == {held.colleagues: COLLEAGUE}
    async with sessionmaker() as session:
        reports = {r.reference: r for r in await session.scalars(select(Report))}
        assert len(reports) == 4
        assert reports[held.named].identity_erased_at is not None
        assert reports[held.confidential].identity_erased_at is not None
        assert reports[held.anonymous].identity_erased_at is None
        assert reports[held.colleagues].identity_erased_at is None
        assert (await session.scalars(select(Reporter))).all() == []
        assert (await session.scalars(select(FsmRecord))).all() == []  # the draft went too
    [erasure] = await _log(sessionmaker)
    assert (erasure.actor, erasure.action, erasure.report_count) == (
        "reporter (bot)", "erasure", 2)
    assert erasure.detail == f"{held.named}, {held.confidential}"
    assert str(WORKER) not in (erasure.detail or "") and "Siân" not in (erasure.detail or "")

    await chat.click_data(yes, question.message_id)  # the old Yes, tapped again
    answer = chat.callback_answers[-1].text
    assert answer is not None and "no longer valid" in answer
    assert len(await _log(sessionmaker)) == 1  # no second erasure
    await chat.send("/mydata")
    assert _file(chat)["reports"] == []
    assert "Reports with your name: 0" in chat.last_text()
    await chat.send("/report")
    assert "join your team first" in chat.last_text()  # a fresh, teamless member again
    async with sessionmaker() as session:
        [reporter] = (await session.scalars(select(Reporter))).all()
        assert reporter.team_id is None


async def test_myid_answers_the_number_admins_configure_contacts_by(
        fake: FakeTelegram, running: RunningBot) -> None:
    chat = fake.private_chat(WORKER, "Siân")
    await chat.send("/myid")
    assert f"Your Telegram number is {WORKER}." in chat.last_text()
    assert "on-call or safeguarding alerts" in chat.last_text()
    [default] = [call for call in fake.calls_to("setMyCommands")
                 if "language_code" not in call.params]
    commands = default.params["commands"]
    commands = json.loads(commands) if isinstance(commands, str) else commands
    assert {"mydata", "forgetme", "myid"} <= {command["command"] for command in commands}
