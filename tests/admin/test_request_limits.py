"""No request can hold the server: bodies over the limit are refused (413) before they are read,
unsafe requests from no signed-in session before a byte of their body is read, and a body's
fields are counted before anything parses them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from admin.csrf import LOGIN_MAX_BYTES, MAX_FIELDS
from tests.admin.conftest import PASSWORD, World
from tests.helpers.admin_client import AdminClient

CHUNK = 64 * 1024
LIMIT = 2 * 1024 * 1024  # ADMIN_MAX_BODY_BYTES's default


class Body:
    """A request body made of tiny fields, sent in chunks; counts the chunks the app pulled."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            self.pulled += 1
            yield b"a=&" * (CHUNK // 3) + b"a="[: CHUNK % 3]


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


FORM = {"content-type": "application/x-www-form-urlencoded"}


async def test_a_body_declared_over_the_limit_is_refused_before_a_byte_is_read(
        app: FastAPI, world: World) -> None:
    body = Body(chunks=LIMIT // CHUNK + 10)
    async with _client(app) as http:
        response = await http.post("/admin/login", content=body, headers={
            **FORM, "content-length": str(body.chunks * CHUNK)})
    assert response.status_code == 413
    assert body.pulled == 0


async def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(
        as_role, world: World) -> None:
    reviewer: AdminClient = await as_role("reviewer")
    body = Body(chunks=LIMIT // CHUNK * 4)  # no Content-Length: sent chunked
    response = await reviewer.http.post(f"/admin/reports/{world.report_a}/curate", content=body,
                                        headers={**FORM, "x-csrf-token": reviewer.token})
    assert response.status_code == 413
    assert body.pulled <= LIMIT // CHUNK + 1


async def test_an_unsafe_request_from_no_signed_in_session_is_refused_unread(
        client: AdminClient, world: World) -> None:
    for cookie in (False, True):  # no cookie at all, then the session the login page gives
        if cookie:
            await client.get("/admin/login")
        body = Body(chunks=LIMIT // CHUNK - 1)  # under the limit, many tiny fields
        response = await client.http.post(f"/admin/reports/{world.report_a}/curate",
                                          content=body, headers=FORM)
        assert response.status_code == 303
        assert response.headers["location"] == "http://testserver/admin/login"
        assert body.pulled == 0


async def test_the_sign_in_form_accepts_only_a_small_body(client: AdminClient,
                                                          world: World) -> None:
    await client.get("/admin/login")
    padding = "x" * LOGIN_MAX_BYTES
    response = await client.post("/admin/login", {"username": "admin@example.org",
                                                  "password": PASSWORD, "padding": padding})
    assert response.status_code == 413
    response = await client.post("/admin/login", {"username": "admin@example.org",
                                                  "password": PASSWORD})
    assert response.status_code == 302


async def test_a_form_with_too_many_fields_is_refused_before_it_is_parsed(
        as_role, world: World) -> None:
    reviewer: AdminClient = await as_role("reviewer")
    path = f"/admin/reports/{world.report_a}/curate"
    fields = [("status", "in_review")] + [("a", "")] * MAX_FIELDS
    response = await reviewer.post(path, fields)
    assert response.status_code == 413
    files = {"a": ("a.txt", b"x")}
    multipart = await reviewer.http.post(path, data={"csrf_token": reviewer.token,
                                                     **{f"f{i}": "" for i in range(MAX_FIELDS)}},
                                         files=files)
    assert multipart.status_code == 413


async def test_a_signed_in_form_within_the_limits_still_goes_through(
        as_role, world: World) -> None:
    reviewer: AdminClient = await as_role("reviewer")
    response = await reviewer.post(f"/admin/reports/{world.report_a}/curate",
                                   {"status": "in_review", "tier": "moderate",
                                    "what_happened": "n" * 100_000})
    assert response.status_code == 303, response.text[:300]

