"""Signing in lands on a page of work, and the menu offers only what the role can use."""

from __future__ import annotations

import re

import pytest

from tests.admin.conftest import PASSWORD, World

LANDING = {"admin": "/admin/reports", "reviewer": "/admin/reports", "viewer": "/admin/dashboard"}
SETUP = 'data-sqladmin-menu-category="Setup"'


def _menu(page: str) -> set[str]:
    """The admin paths the navigation bar links to."""
    [navbar] = re.findall(r'<nav class="navbar.*?</nav>', page, flags=re.S)
    return set(re.findall(r'href="http://testserver(/admin/[^"#?]*)"', navbar))


@pytest.mark.parametrize("role", sorted(LANDING))
async def test_signing_in_lands_on_the_reports_list_or_the_dashboard_for_viewers(
        client, world: World, role: str) -> None:
    await client.get("/admin/login")
    signed_in = await client.post("/admin/login", {"username": f"{role}@example.org",
                                                   "password": PASSWORD})
    assert signed_in.status_code == 302
    home = await client.get(signed_in.headers["location"])
    assert home.status_code == 302
    assert home.headers["location"] == f"http://testserver{LANDING[role]}"
    page = await client.get(home.headers["location"])
    assert page.status_code == 200


@pytest.mark.parametrize("role", sorted(LANDING))
async def test_the_admin_home_page_is_never_blank(as_role, role: str) -> None:
    client = await as_role(role)
    page = await client.http.get("/admin/", follow_redirects=True)
    assert page.status_code == 200
    assert ('id="reports-table"' in page.text) or ('id="charts"' in page.text)


async def test_only_administrators_see_the_setup_menu(as_role) -> None:
    pages = {role: (await (await as_role(role)).get("/admin/reports")).text for role in LANDING}
    assert SETUP in pages["admin"]
    assert SETUP not in pages["reviewer"] and SETUP not in pages["viewer"]


async def test_the_menu_links_only_to_pages_the_role_can_open(as_role) -> None:
    for role in LANDING:
        client = await as_role(role)
        links = _menu((await client.get("/admin/reports")).text)
        assert links, role
        for path in links:
            response = await client.get(path)
            assert response.status_code == 200, (role, path, response.status_code)
    reviewer = _menu((await (await as_role("reviewer")).get("/admin/reports")).text)
    viewer = _menu((await (await as_role("viewer")).get("/admin/reports")).text)
    assert {"/admin/actions", "/admin/actions/mine"} <= reviewer
    assert not {"/admin/actions", "/admin/actions/mine", "/admin/escalations"} & viewer
