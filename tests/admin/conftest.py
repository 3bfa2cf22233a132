"""Admin fixtures: the real create_app() over a migrated SQLite file, users of every role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.app import create_app
from admin.security import hash_password
from core.settings import Settings
from storage.repositories import (
    ActionRepository,
    AdminUserRepository,
    ReportRepository,
    TeamRepository,
)
from storage.schemas import ReportCreate, ReporterIdentity
from tests.helpers.admin_client import AdminClient
from tests.helpers.web import chromium, serve_admin

PASSWORD = "correct horse battery staple"
PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run


@dataclass(frozen=True)
class World:
    """Two teams, a report in each, an action on the first, users of each role."""

    team_a: int
    team_b: int
    report_a: int
    report_b: int
    action_a: int


AMARA = ReporterIdentity(555, "Amara", "amara_k")


async def add_report(session: AsyncSession, *, team_id: int, key: str,
                  what: str, category: str = "medication") -> int:
    report = await ReportRepository(session).create(data=ReportCreate(
        draft_key=key, identity=AMARA, team_id=team_id, language="en",
        occurred_date=date.today() - timedelta(days=2), occurred_time=None,
        time_of_day="morning", place="Lounge", place_id=None, category=category,
        what_happened=what, how_prevented="Second check at the trolley",
        immediate_action=None, told=("manager",), suggestions="Colour-coded pots",
        submitted_at=datetime.now(UTC)))
    return report.id


@pytest.fixture
async def world(sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    return await seed_world(sessionmaker)


async def seed_world(sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    """Two teams, two reports, an overdue action, and a user of each role."""
    async with sessionmaker() as session:
        session.info["actor"] = (None, "test-setup")
        teams = TeamRepository(session)
        a = await teams.create(name="Rosewood House", places=("Lounge",))
        b = await teams.create(name="Oak Lodge", places=("Hall",))
        report_a = await add_report(session, team_id=a.id, key="a",
                                 what="Mrs Jones nearly got Mr Smith's tablets")
        report_b = await add_report(session, team_id=b.id, key="b",
                                 what="Hoist sling wrong size at Oak Lodge")
        action = await ActionRepository(session).create(
            report_id=report_a, description="Photo ID on every MAR chart", owner="Deputy manager",
            due_date=date.today() - timedelta(days=1))
        users = AdminUserRepository(session)
        for email, role, team_ids in (("admin@example.org", "admin", ()),
                                      ("reviewer@example.org", "reviewer", (a.id,)),
                                      ("viewer@example.org", "viewer", (a.id,))):
            await users.create(email=email, role=role, password_hash=PASSWORD_HASH,
                               team_ids=team_ids)
        await session.commit()
        return World(a.id, b.id, report_a, report_b, action.id)


@pytest.fixture
def admin_settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(_env_file=None, database_url=database_url, data_dir=tmp_path / "data",
                    admin_base_url="http://testserver")


@pytest.fixture
def app(admin_settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> FastAPI:
    return create_app(admin_settings, sessionmaker, failed_login_delay=0)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AdminClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield AdminClient(http)


@pytest.fixture
async def as_role(app: FastAPI, world: World):
    """A signed-in client per role: `await as_role("reviewer")`."""
    clients: list[httpx.AsyncClient] = []

    async def sign_in(role: str) -> AdminClient:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver")
        clients.append(http)
        client = AdminClient(http)
        response = await client.login(f"{role}@example.org", PASSWORD)
        assert response.status_code == 302, response.text
        return client

    yield sign_in
    for http in clients:
        await http.aclose()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, for the tests of what pages do in a browser."""
    async with chromium() as browser:
        yield browser


@pytest.fixture
async def admin_url(admin_settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                    world: World) -> AsyncIterator[str]:
    """The real app over HTTP on a loopback port (its ADMIN_BASE_URL), with the world seeded."""
    async with serve_admin(admin_settings, sessionmaker) as url:
        yield url


async def sign_in(page: Page, url: str, role: str) -> None:
    """Sign in through the login page as the seeded user of `role`."""
    await page.goto(f"{url}/admin/login")
    await page.fill("input[name=username]", f"{role}@example.org")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{url}/admin/**")
