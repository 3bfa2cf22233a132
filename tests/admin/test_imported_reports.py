"""Imported reports in the admin: the external id beside the reference on the list and the
report page, found by the search box (exactly, for every role), and hostile cells shown as
text, never run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Report
from tests.admin.conftest import World
from tests.nearmiss.import_helpers import row, run_import, write_csv

SCRIPT = "<script>alert('x')</script> nearly fell"
EXTERNAL = "DATIX-<b>77</b>"


async def _imported(tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str],
                    sessionmaker: async_sessionmaker[AsyncSession]) -> Report:
    path = write_csv(tmp_path / "history.csv", [
        row(external_id=EXTERNAL, what_happened=SCRIPT, occurred_at="2025-03-04T10:00"),
        row(external_id="DATIX-78", occurred_at="2025-03-05T10:00")])
    code, _, err = await run_import(database_url, sessionmaker, capsys, path)
    assert code in (0, 1), err  # 1: the interim pattern pass; the reports are stored either way
    async with sessionmaker() as session:
        report = await session.scalar(select(Report).where(Report.external_id == EXTERNAL))
    assert report is not None
    return report


def _listed(page: str) -> list[str]:
    return re.findall(r">(NM-\d{4}-\d{4})</a>", page)


@pytest.mark.parametrize("role", ["admin", "reviewer", "viewer"])
async def test_the_external_id_is_shown_beside_the_reference_and_found_exactly(
        role: str, as_role, world: World, tmp_path: Path, database_url: str,
        capsys: pytest.CaptureFixture[str],
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    report = await _imported(tmp_path, database_url, capsys, sessionmaker)
    client = await as_role(role)
    escaped = "DATIX-&lt;b&gt;77&lt;/b&gt;"
    listing = (await client.get("/admin/reports")).text
    assert f"{report.reference}</a> <span class=\"text-secondary external-id\">(imported as " \
           f"{escaped})</span>" in listing
    assert EXTERNAL not in listing
    found = (await client.get("/admin/reports", params={"q": f" {EXTERNAL} "})).text
    assert _listed(found) == [report.reference]
    assert _listed((await client.get("/admin/reports", params={"q": "DATIX-7"})).text) == []
    page = (await client.get(f"/admin/reports/{report.id}")).text
    assert f"(imported as {escaped})" in page and "<script>alert" not in page


async def test_a_hostile_cell_is_shown_as_text_to_those_who_may_read_it(
        as_role, world: World, tmp_path: Path, database_url: str,
        capsys: pytest.CaptureFixture[str],
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    report = await _imported(tmp_path, database_url, capsys, sessionmaker)
    page = (await (await as_role("reviewer")).get(f"/admin/reports/{report.id}")).text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; nearly fell" in page
