"""HTML to PDF through the system's headless Chromium (Debian's package, not a download).

Playwright's bundled browsers are not installed: admins may be offline, and a distro
Chromium gets security updates with the rest of the system.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from playwright.async_api import async_playwright

if TYPE_CHECKING:
    from playwright.async_api import Route

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",  # the admin often runs as root in a container, where the sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",  # small /dev/shm in containers crashes tabs
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
TIMEOUT_MS = 60_000


async def _refuse(route: Route) -> None:
    await route.abort()


async def html_to_pdf(html: str, *, executable: Path = CHROMIUM) -> bytes:
    """Render a standalone HTML page to an A4 PDF, backgrounds included."""
    if not executable.exists():
        raise RuntimeError(
            f"PDF export needs Chromium: {executable} is missing "
            "(Debian/Ubuntu: apt-get install chromium)"
        )
    # Imported here so the admin starts, and HTML reports work, without Playwright.

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(executable), args=list(CHROMIUM_ARGS), timeout=TIMEOUT_MS)
        try:
            page = await browser.new_page()
            # The page is self-contained; refuse anything it might still try to fetch.
            await page.route("**/*", _refuse)
            await page.set_content(html, wait_until="load", timeout=TIMEOUT_MS)
            return await page.pdf(format="A4", print_background=True)
        finally:
            await browser.close()
