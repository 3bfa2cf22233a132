"""Every admin response says what the browser may run, that no one may frame it, and that
nothing holding report content may be kept; no page carries inline script."""

from __future__ import annotations

import re
from datetime import date

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.app import create_app
from admin.pdf import CHROMIUM
from core.settings import Settings
from tests.admin.conftest import World
from tests.helpers.admin_client import AdminClient

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def _pages(world: World) -> list[str]:
    return ["/admin/reports", f"/admin/reports/{world.report_a}", "/admin/dashboard",
            "/admin/governance", "/admin/bulletins", "/admin/groups", "/admin/alerts",
            "/admin/escalations", "/admin/privacy", "/admin/team/list",
            f"/admin/team/edit/{world.team_a}", "/admin/place/create", "/admin/actions",
            "/admin/actions/mine", "/admin/sign-in-failures", "/admin/account/two-factor"]


def _assert_guarded(response: httpx.Response) -> None:
    headers = response.headers
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[-1].split(";")[0]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cache-control"] == "no-store"


async def test_every_page_is_unframeable_and_never_cached(as_role, world: World) -> None:
    admin: AdminClient = await as_role("admin")
    for path in _pages(world):
        response = await admin.get(path)
        assert response.status_code == 200, path
        _assert_guarded(response)
    sign_in = await admin.get("/admin/login")
    _assert_guarded(sign_in)


async def test_no_admin_page_carries_inline_script(as_role, world: World) -> None:
    admin: AdminClient = await as_role("admin")
    await admin.post(f"/admin/reports/{world.report_a}/curate", {"status": "in_review"})
    for path in _pages(world):  # the first with a flash message, whose toast had a script
        html = (await admin.get(path)).text
        assert not INLINE_SCRIPT.search(html), path
        assert not EVENT_HANDLER.search(html), path


async def test_the_csv_export_and_the_governance_report_are_never_cached(
        as_role, world: World) -> None:
    admin: AdminClient = await as_role("admin")
    today = date.today().isoformat()
    csv = await admin.get("/admin/reports.csv")
    assert csv.status_code == 200
    _assert_guarded(csv)
    html = await admin.get(f"/admin/governance?date_from={today}&date_to={today}")
    _assert_guarded(html)
    policy = html.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy  # no script at all
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: the PDF's headers are not checked")
    pdf = await admin.get(f"/admin/governance?date_from={today}&date_to={today}&format=pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    _assert_guarded(pdf)


async def test_static_files_may_be_cached(client: AdminClient) -> None:
    for path in ("/static/nearmiss/csrf.js", "/admin/statics/js/main.js"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert "no-store" not in response.headers.get("cache-control", "")
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_hsts_is_sent_only_when_the_admin_is_https_only(
        admin_settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
        app: FastAPI) -> None:
    secure = create_app(admin_settings.model_copy(update={
        "admin_https_only": True, "admin_base_url": "https://testserver"}), sessionmaker)
    for served, expected in ((app, None), (secure, "max-age=31536000")):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=served),
                                     base_url="http://testserver") as http:
            response = await http.get("/admin/login")
        assert response.headers.get("strict-transport-security") == expected
