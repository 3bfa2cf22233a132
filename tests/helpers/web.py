"""A real HTTP server for the admin (uvicorn on 127.0.0.1) and Debian's Chromium to drive it."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, async_playwright
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.app import create_app
from core.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def need_chromium() -> None:
    """Skip on a laptop without Chromium; under CI a missing browser is a failure."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing: `make test` installs it from Debian's packages")
        pytest.skip("Chromium is not installed (make test installs it)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def serve(app: FastAPI, port: int | None = None) -> AsyncIterator[str]:
    """Serve the app on `port` (a free loopback port if None); yield its base URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    task = asyncio.create_task(server.serve())
    started = asyncio.Event()

    async def wait_started() -> None:
        while not server.started and not task.done():
            await asyncio.sleep(0.02)  # uvicorn offers no event for "listening"
        started.set()

    await asyncio.wait_for(wait_started(), timeout=15)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def serve_admin(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                      **update: object) -> AsyncIterator[str]:
    """The admin (create_app) on a free loopback port, ADMIN_BASE_URL its own; `update` changes
    other settings (data_dir, say). Yields the base URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(settings.model_copy(update={**update, "admin_base_url": base_url}),
                     sessionmaker, failed_login_delay=0)
    async with serve(app, port) as url:
        yield url


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright; skipped (or failed in CI) if absent."""
    need_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                   args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()
