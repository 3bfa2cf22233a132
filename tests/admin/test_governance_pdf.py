"""Governance PDFs over HTTP: a limited number of Chromium renders, and a cache that is never
stale (real Chromium, real app, real database)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.governance_pdf import GovernancePdfs, data_version
from core.settings import Settings
from storage.models import Action, Category, Report, Team
from tests.admin.conftest import World, add_report
from tests.admin.test_governance import chromium_or_skip

TODAY = date.today()


def period(days: int = 30) -> str:
    return (f"/admin/governance?format=pdf&date_from={TODAY - timedelta(days=days)}"
            f"&date_to={TODAY}")


@pytest.fixture
def admin_settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(_env_file=None, database_url=database_url, data_dir=tmp_path / "data",
                    pdf_renders=1, pdf_wait_seconds=600)


def pdfs(app: FastAPI) -> GovernancePdfs:
    return app.state.governance_pdfs


async def test_concurrent_requests_start_one_render_at_a_time(as_role, app: FastAPI) -> None:
    chromium_or_skip()
    clients = [await as_role(role) for role in ("admin", "reviewer", "viewer")]

    responses = await asyncio.gather(*(client.get(period(days)) for client, days in
                                       zip(clients, (10, 20, 30), strict=True)))

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert all(r.content.startswith(b"%PDF") for r in responses)
    assert pdfs(app).counts.started == 3
    assert pdfs(app).counts.most_at_once == 1


async def test_a_repeated_request_is_served_from_the_cache(as_role, app: FastAPI) -> None:
    chromium_or_skip()
    viewer, other_client = await as_role("viewer"), await as_role("viewer")

    first = await viewer.get(period())
    # Same team, period, language and view of places (typed places hidden): the same report.
    again = await other_client.get(period())

    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert (pdfs(app).counts.started, pdfs(app).counts.served_from_cache) == (1, 1)


async def test_a_change_in_the_data_renders_a_fresh_pdf(as_role, app: FastAPI,
                                                        world: World) -> None:
    chromium_or_skip()
    admin = await as_role("admin")
    first = await admin.get(period())
    await admin.get(f"/admin/reports/{world.report_a}")  # the page's CSRF token
    curated = await admin.post(f"/admin/reports/{world.report_a}/curate",
                               {"status": "closed", "severity": "low", "tier": "low"})

    again = await admin.get(period())

    assert curated.status_code == 303
    assert again.status_code == 200 and again.content.startswith(b"%PDF")
    assert pdfs(app).counts.started == 2 and pdfs(app).counts.served_from_cache == 0
    assert first.status_code == 200


async def test_busy_renders_answer_503_with_retry_after(as_role, app: FastAPI) -> None:
    reviewer = await as_role("reviewer")
    queue = pdfs(app)
    queue.wait = 0

    async with queue.turn():  # another request's render holds the only slot
        response = await reviewer.get(period(), headers={"accept-language": "cy"})

    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"
    assert "Try again in a minute" not in response.text  # said in Welsh
    assert queue.counts.started == 0


async def test_the_data_version_moves_with_everything_the_report_shows(
        sessionmaker: async_sessionmaker[AsyncSession], world: World) -> None:
    async def version() -> tuple[object, ...]:
        async with sessionmaker() as session:
            return await data_version(session)

    async def change(edit) -> None:
        async with sessionmaker() as session:
            session.info["actor"] = (None, "test")
            await edit(session)
            await session.commit()

    async def close_action(session: AsyncSession) -> None:
        (await session.get(Action, world.action_a)).status = "done"

    async def new_report(session: AsyncSession) -> None:
        await add_report(session, team_id=world.team_b, key="new", what="Another near miss")

    async def delete_report(session: AsyncSession) -> None:
        await session.delete(await session.get(Report, world.report_b))

    async def rename_team(session: AsyncSession) -> None:
        (await session.get(Team, world.team_a)).name = "Rosewood"

    async def rename_category(session: AsyncSession) -> None:
        category = await session.scalar(select(Category).limit(1))
        category.name = category.name + " (renamed)"

    seen = [await version()]
    assert await version() == seen[0]  # reading changes nothing
    for edit in (close_action, new_report, delete_report, rename_team, rename_category):
        await change(edit)
        seen.append(await version())
        assert seen[-1] not in seen[:-1], edit.__name__
