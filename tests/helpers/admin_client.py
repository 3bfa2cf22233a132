"""Signing in to the admin over HTTP the way a browser does: cookie, CSRF token, form posts."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import httpx

META = re.compile(r'<meta name="csrf-token" content="([^"]*)">')
FINGERPRINT = re.compile(r'name="fingerprint" value="([0-9a-f]{64})"')


class AdminClient:
    """An httpx client on the ASGI app that keeps its session cookie and CSRF token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.token = ""

    async def get(self, url: str, **kwargs: object) -> httpx.Response:
        response = await self.http.get(url, **kwargs)  # type: ignore[arg-type]
        if match := META.search(response.text):
            self.token = match.group(1)
        return response

    async def post(self, url: str, data: dict | list | None = None, *,
                   token: str | None = None) -> httpx.Response:
        fields = list(data.items()) if isinstance(data, dict) else list(data or [])
        fields.append(("csrf_token", self.token if token is None else token))
        return await self.http.post(url, content=urlencode(fields), headers={
            "content-type": "application/x-www-form-urlencoded"})

    async def login(self, email: str, password: str) -> httpx.Response:
        await self.get("/admin/login")
        response = await self.post("/admin/login", {"username": email, "password": password})
        await self.get("/admin/reports")  # the session's new token, as the next page shows it
        return response

    async def approve_and_send(self, bulletin_url: str,
                               form: dict | None = None) -> httpx.Response:
        """Approve and send as a browser does it: the approval, its check page, the confirm."""
        approved = await self.post(f"{bulletin_url}/approve", form)
        if approved.status_code != 303 or not approved.headers["location"].endswith("/confirm"):
            return approved
        check = await self.get(approved.headers["location"])
        found = FINGERPRINT.search(check.text)
        if found is None:
            return check
        return await self.post(f"{bulletin_url}/send", {"fingerprint": found.group(1)})
