"""Links, form actions and redirects come from ADMIN_BASE_URL, whatever Host a request names."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.app import create_app
from core.settings import Settings
from tests.admin.conftest import PASSWORD, World
from tests.helpers.admin_client import AdminClient

EVIL = {"host": "evil.example"}
ACTION = re.compile(r'<form[^>]*action="([^"]*)"')


async def test_the_sign_in_form_posts_to_the_configured_address(client: AdminClient) -> None:
    page = await client.get("/admin/login", headers=EVIL)
    assert page.status_code == 200
    assert ACTION.findall(page.text) == ["http://testserver/admin/login"]
    assert "evil.example" not in page.text


async def test_redirects_go_to_the_configured_address(client: AdminClient,
                                                      world: World) -> None:
    to_login = await client.get("/admin/reports", headers=EVIL)
    assert to_login.status_code == 302
    assert to_login.headers["location"] == "http://testserver/admin/login"
    await client.get("/admin/login", headers=EVIL)
    signed_in = await client.http.post(
        "/admin/login", headers={**EVIL, "content-type": "application/x-www-form-urlencoded"},
        content=f"username=admin%40example.org&password={PASSWORD}&csrf_token={client.token}")
    assert signed_in.status_code == 302
    assert signed_in.headers["location"].startswith("http://testserver/admin")
    home = await client.get("/", headers=EVIL)
    assert home.headers["location"] == "http://testserver/admin/"  # the landing page, by role


async def test_a_signed_in_page_links_only_to_the_configured_address(
        as_role, world: World) -> None:
    admin: AdminClient = await as_role("admin")
    page = await admin.get(f"/admin/reports/{world.report_a}", headers=EVIL)
    assert page.status_code == 200
    assert "evil.example" not in page.text
    saved = await admin.http.post(
        f"/admin/reports/{world.report_a}/curate",
        headers={**EVIL, "content-type": "application/x-www-form-urlencoded"},
        content=f"status=in_review&csrf_token={admin.token}")
    assert saved.headers["location"] == f"http://testserver/admin/reports/{world.report_a}"


async def test_behind_https_every_link_is_https(
        admin_settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
        world: World) -> None:
    app: FastAPI = create_app(admin_settings.model_copy(update={
        "admin_base_url": "https://nearmiss.example.org"}), sessionmaker)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://127.0.0.1:8000") as http:
        page = await http.get("/admin/login")
        redirect = await http.get("/admin/reports")
    assert ACTION.findall(page.text) == ["https://nearmiss.example.org/admin/login"]
    assert redirect.headers["location"] == "https://nearmiss.example.org/admin/login"
