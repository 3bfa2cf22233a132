"""Named, confidential or anonymous: the worker's choice decides what is kept about them, and
who can hear back ("you said, we did" reaches named reporters, never anonymous ones)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.security import hash_password
from core.settings import Settings
from storage.models import Action, FsmRecord, OutboxMessage, Report, ReportIdentity, Team
from storage.repositories import AdminUserRepository
from tests.e2e.flow import NO_HARM
from tests.e2e.test_learning_flash import _drain, _reviewer
from tests.helpers.bot_runner import RunningBot
from tests.helpers.fake_telegram import ChatClient, FakeTelegram

Maker = async_sessionmaker[AsyncSession]


async def _file(chat: ChatClient, first: str, privacy: str) -> str:
    """A quick report with the privacy choice `privacy`; returns its reference."""
    await chat.send(first)
    for label in (NO_HARM, "Yesterday", "Evening", "Lounge", "Falls and mobility"):
        await chat.click(label)
    await chat.send("A resident nearly tripped on a loose rug by the door")
    await chat.send("A colleague moved the rug aside")
    await chat.click("Skip")
    await chat.click("Nobody yet")
    await chat.click("Skip")
    assert "Who can see that you made this report?" in chat.last_text()
    await chat.click(privacy)
    assert f"Privacy: {privacy}" in chat.last_text()
    await chat.click("Submit report")
    match = re.search(r"NM-\d{4}-\d{4}", chat.last_text())
    assert match is not None, chat.transcript()
    return match[0]


async def _stored(sessionmaker: Maker, reference: str) -> tuple[Report, ReportIdentity | None]:
    async with sessionmaker() as session:
        report = (await session.scalars(select(Report).where(
            Report.reference == reference))).one()
        return report, await session.get(ReportIdentity, report.id)


@pytest.mark.parametrize(("choice", "thanks"), [
    ("Named", "I will tell you what changes because you spoke up"),
    ("Confidential", "Only administrators can see who reported this"),
    ("Anonymous", "no feedback can reach you directly"),
])
async def test_each_privacy_choice_keeps_exactly_what_it_says_and_shows_it_to_the_right_roles(
        fake: FakeTelegram, running: RunningBot, team: Team, sessionmaker: Maker,
        settings: Settings, tmp_path: Path, choice: str, thanks: str) -> None:
    chat = fake.private_chat(1201, "Amara", username="amara_w")
    reference = await _file(chat, f"/start {team.code}", choice)
    assert thanks in chat.last_text()
    report, identity = await _stored(sessionmaker, reference)
    assert report.confidentiality == choice.lower()
    if choice == "Anonymous":
        assert identity is None
        assert "What we learn from it will appear in your team's bulletins" in chat.last_text()
    else:
        assert identity is not None
        assert (identity.telegram_user_id, identity.first_name, identity.username) == (
            1201, "Amara", "amara_w")
    async with sessionmaker() as session:
        assert (await session.scalars(select(FsmRecord))).all() == []  # no draft left behind
    pages = await _report_page_by_role(settings, sessionmaker, tmp_path, team, report.id)
    shown = {role: "Amara" in page and "amara_w" in page for role, page in pages.items()}
    assert shown == {"admin": choice != "Anonymous", "reviewer": choice == "Named",
                     "viewer": False}
    if choice == "Confidential":
        assert "Confidential" in pages["reviewer"]
    if choice == "Anonymous":
        assert all("Anonymous (no identity is stored)" in pages[role]
                   for role in ("admin", "reviewer"))


async def _report_page_by_role(settings: Settings, sessionmaker: Maker, data_dir: Path,
                               team: Team, report_id: int) -> dict[str, str]:
    """The admin's page of a report, as an administrator, a reviewer and a viewer see it."""
    pages = {}
    for role in ("admin", "reviewer", "viewer"):
        email, password = f"{role}@example.org", f"{role} password 12"
        async with sessionmaker.begin() as session:
            await AdminUserRepository(session).create(
                email=email, role=role, password_hash=hash_password(password),
                team_ids=() if role == "admin" else (team.id,))
        async with _reviewer(settings, sessionmaker, data_dir, email, password) as client:
            response = await client.get(f"/admin/reports/{report_id}")
            assert response.status_code == 200
            pages[role] = response.text
    return pages


async def test_a_named_reporter_hears_you_said_we_did_and_an_anonymous_one_does_not(
        fake: FakeTelegram, running: RunningBot, team: Team, settings: Settings,
        sessionmaker: Maker, tmp_path: Path) -> None:
    named = fake.private_chat(1202, "Bryn")
    anonymous = fake.private_chat(1203, "Zanele")
    named_ref = await _file(named, f"/start {team.code}", "Named")
    anonymous_ref = await _file(anonymous, f"/start {team.code}", "Anonymous")
    async with sessionmaker.begin() as session:
        await AdminUserRepository(session).create(
            email="rev@example.org", role="reviewer",
            password_hash=hash_password("reviewer password 1"), team_ids=(team.id,))
    heard = {named.id: len(named.messages), anonymous.id: len(anonymous.messages)}

    async with _reviewer(settings, sessionmaker, tmp_path) as reviewer:
        for reference in (named_ref, anonymous_ref):
            report, _ = await _stored(sessionmaker, reference)
            await reviewer.post(f"/admin/reports/{report.id}/actions", {
                "description": "Rugs removed from the corridor", "owner": "Manager"})
            await reviewer.post(f"/admin/reports/{report.id}/curate",
                                {"status": "actions_agreed"})
            async with sessionmaker() as session:
                action = (await session.scalars(select(Action).where(
                    Action.report_id == report.id))).one()
            await reviewer.post(f"/admin/actions/{action.id}", {
                "status": "done", "outcome_evidence": "No trips since"})
    await _drain(settings, sessionmaker)

    told = [text for text in named.texts()[heard[named.id]:] if named_ref in text]
    assert len(told) == 2 and all("You said, we did" in text for text in told)
    assert "Rugs removed from the corridor" in told[0] and "No trips since" in told[1]
    assert len(anonymous.messages) == heard[anonymous.id]  # nothing reached them
    async with sessionmaker() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
    assert {row.chat_id for row in rows} == {1202}
