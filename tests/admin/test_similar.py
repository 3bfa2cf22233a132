"""The report page's Similar reports: the closest reports by meaning, in the reader's teams,
within a year, as reference, team, date, category and a percentage: never their words."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from learning.embedding import embedder
from storage.models import Report
from storage.repositories.similar import closest
from storage.vectors import to_bytes
from tests.admin.conftest import World
from tests.admin.learning_data import add_embedded

SEEN = "Agency carer was not given the door code and waited outside in the rain"
LIKE = "Nobody told the new agency worker the key safe code so she could not get in"
ELSEWHERE = "Bank staff member stuck outside, no one had given them the door code"
UNRELATED = "Wet floor in the dining room after mopping, no sign out, resident nearly slipped"


@dataclass(frozen=True)
class Seeded:
    seen: int
    like: int
    elsewhere: int  # team B's
    unrelated: int
    old: int  # the same words, 400 days earlier


@pytest.fixture
async def seeded(sessionmaker: async_sessionmaker[AsyncSession], world: World) -> Seeded:
    seen, like, unrelated = await add_embedded(
        sessionmaker, team_id=world.team_a, texts=[SEEN, LIKE, UNRELATED], days_ago=5,
        external_ids=(None, "ROSE-42"))
    (elsewhere,) = await add_embedded(sessionmaker, team_id=world.team_b, texts=[ELSEWHERE],
                                      place="Hall", category="security")
    (old,) = await add_embedded(sessionmaker, team_id=world.team_a, texts=[LIKE], days_ago=400)
    return Seeded(seen, like, elsewhere, unrelated, old)


def _panel(page: str) -> str:
    found = re.search(r'<div class="card mb-3" id="similar">(.*?)</table>', page, re.S)
    assert found is not None, "no Similar reports table"
    return found.group(1)


async def _reference(sessionmaker: async_sessionmaker[AsyncSession], report_id: int) -> str:
    async with sessionmaker() as session:
        report = await session.get(Report, report_id)
        assert report is not None
        return report.reference


def _percent(a: str, b: str) -> str:
    first, second = embedder().embed([a, b])
    return f"{round(float(first @ second) * 100)}%"


@pytest.mark.parametrize("role", ["viewer", "reviewer"])
async def test_a_team_member_sees_their_teams_similar_reports_without_words(
        as_role, seeded: Seeded, role: str,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    page = (await (await as_role(role)).get(f"/admin/reports/{seeded.seen}")).text
    panel = _panel(page)
    assert await _reference(sessionmaker, seeded.like) in panel and "(ROSE-42)" in panel
    assert f'href="http://testserver/admin/reports/{seeded.like}"' in panel
    assert _percent(SEEN, LIKE) in panel and "Rosewood House" in panel
    for hidden in (seeded.elsewhere, seeded.unrelated, seeded.old, seeded.seen):
        assert await _reference(sessionmaker, hidden) not in panel
    assert not any(text[:30] in panel for text in (LIKE, ELSEWHERE, UNRELATED))
    assert "Caught in time" not in panel and "Oak Lodge" not in panel


async def test_an_administrator_sees_similar_reports_across_teams(
        as_role, seeded: Seeded, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    panel = _panel((await (await as_role("admin")).get(f"/admin/reports/{seeded.seen}")).text)
    like = await _reference(sessionmaker, seeded.like)
    elsewhere = await _reference(sessionmaker, seeded.elsewhere)
    assert like in panel and elsewhere in panel and "Oak Lodge" in panel
    assert _percent(SEEN, ELSEWHERE) in panel
    assert await _reference(sessionmaker, seeded.unrelated) not in panel
    assert LIKE[:30] not in panel and ELSEWHERE[:30] not in panel


async def test_a_report_not_yet_embedded_is_not_compared(as_role, world: World,
                                                        seeded: Seeded) -> None:
    page = (await (await as_role("admin")).get(f"/admin/reports/{world.report_a}")).text
    assert "Not yet compared" in page


def test_closest_keeps_the_nearest_above_the_minimum() -> None:
    vectors = np.eye(4, dtype=np.float32)
    probe = np.array([0.8, 0.6, 0.0, 0.0], dtype=np.float32)
    rows = [(10 + i, to_bytes(vector)) for i, vector in enumerate(vectors)]
    found = closest(probe, rows, limit=3, minimum=0.5)
    assert [(report_id, round(score, 2)) for report_id, score in found] == [(10, 0.8),
                                                                            (11, 0.6)]
    assert closest(probe, rows, limit=1, minimum=0.0) == [(10, pytest.approx(0.8))]
    assert closest(probe, [], limit=5, minimum=0.0) == []
