"""A long list's page links keep its filters, whichever list it is."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.views.reports import PER_PAGE
from tests.admin.conftest import World, add_report


async def test_the_next_page_of_a_filtered_list_keeps_its_filters(
        as_role, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        session.info["actor"] = (None, "test-setup")
        for number in range(PER_PAGE + 1):
            await add_report(session, team_id=world.team_a, key=f"many-{number}",
                             what="Wrong pot", category="falls")
        await session.commit()
    admin = await as_role("admin")

    first = (await admin.get("/admin/reports?category=falls")).text
    second = await admin.get("/admin/reports?category=falls&page=2")

    assert "Page 1 of 2" in first
    assert 'href="?category=falls&amp;page=2"' in first
    assert second.status_code == 200 and "Page 2 of 2" in second.text
    assert 'href="?category=falls&amp;page=1"' in second.text
