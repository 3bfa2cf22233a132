"""Every role against every route: which role may reach which URL and action (server-side)."""

from __future__ import annotations

import pytest

from tests.admin.conftest import World

ROLES = ("admin", "reviewer", "viewer")
CURATION = {"status": "in_review", "severity": "moderate", "tier": "moderate"}
ACTION = {"description": "Re-audit the MAR charts", "owner": "Team lead"}

# (method, path template, form, expected status for admin, reviewer, viewer).
# The reviewer and viewer belong to team A only; team B's report is invisible to them (404).
ROUTES = [
    ("GET", "/admin/reports", None, (200, 200, 200)),
    ("GET", "/admin/reports/{report_a}", None, (200, 200, 200)),
    ("GET", "/admin/reports/{report_b}", None, (200, 404, 404)),
    ("POST", "/admin/reports/{report_a}/curate", CURATION, (303, 303, 403)),
    ("POST", "/admin/reports/{report_b}/curate", CURATION, (303, 404, 403)),
    ("POST", "/admin/reports/{report_a}/actions", ACTION, (303, 303, 403)),
    ("POST", "/admin/reports/{report_b}/actions", ACTION, (303, 404, 403)),
    ("POST", "/admin/actions/{action_a}", {"status": "done"}, (303, 303, 403)),
    ("GET", "/admin/reports.csv", None, (200, 200, 403)),
    ("GET", "/admin/dashboard", None, (200, 200, 200)),
    ("GET", "/admin/governance", None, (200, 200, 200)),
    ("GET", "/admin/governance?date_from=2020-01-01&date_to=2030-01-01", None, (200, 200, 200)),
    ("GET", "/admin/actions", None, (200, 200, 403)),
    ("GET", "/admin/actions/mine", None, (200, 200, 403)),
    ("POST", "/admin/actions/{action_a}/recheck", {"recheck_outcome": "Checked"},
     (303, 303, 403)),
    # SQLAdmin's generic Actions list and details (the eye icon) are gone, not a crash.
    ("GET", "/admin/action/list", None, (404, 404, 404)),
    ("GET", "/admin/action/details/{action_a}", None, (404, 404, 404)),
    ("GET", "/admin/team/list", None, (200, 403, 403)),
    ("GET", "/admin/team/create", None, (200, 403, 403)),
    ("POST", "/admin/team/create", {"name": "Elm Court"}, (302, 403, 403)),
    ("GET", "/admin/place/list", None, (200, 403, 403)),
    ("GET", "/admin/category/list", None, (200, 403, 403)),
    ("GET", "/admin/reporter/list", None, (200, 403, 403)),
    ("GET", "/admin/admin-user/list", None, (200, 403, 403)),
    ("GET", "/admin/admin-user/create", None, (200, 403, 403)),
    ("GET", "/admin/team-contact/list", None, (200, 403, 403)),
    ("GET", "/admin/escalations", None, (200, 200, 403)),
    ("GET", "/admin/privacy", None, (200, 403, 403)),
    ("POST", "/admin/privacy/policy", {"identity_days_after_closure": "90", "report_years": "8"},
     (303, 403, 403)),
    ("POST", "/admin/privacy/access", {"telegram_user_id": "555"}, (200, 403, 403)),
]


def _path(template: str, world: World) -> str:
    return template.format(report_a=world.report_a, report_b=world.report_b,
                           action_a=world.action_a)


@pytest.mark.parametrize(("method", "template", "form", "expected"), ROUTES,
                         ids=[f"{m} {t}" for m, t, _, _ in ROUTES])
@pytest.mark.parametrize("role", ROLES)
async def test_role_may_reach_only_what_it_should(as_role, world: World, role: str, method: str,
                                                  template: str, form: dict | None,
                                                  expected: tuple[int, int, int]) -> None:
    client = await as_role(role)
    path = _path(template, world)
    response = await (client.get(path) if method == "GET" else client.post(path, form))
    assert response.status_code == expected[ROLES.index(role)], response.text[:300]


@pytest.mark.parametrize(("method", "template", "form", "expected"), ROUTES,
                         ids=[f"{m} {t}" for m, t, _, _ in ROUTES])
async def test_nobody_signed_in_reaches_nothing(client, world: World, method: str,
                                                template: str, form: dict | None,
                                                expected: tuple[int, int, int]) -> None:
    await client.get("/admin/login")
    path = _path(template, world)
    response = await (client.get(path) if method == "GET" else client.post(path, form))
    assert response.status_code in (302, 303)
    assert response.headers["location"].endswith("/admin/login")


async def test_a_viewer_never_sees_the_workers_words_or_who_reported(as_role,
                                                                     world: World) -> None:
    viewer = await as_role("viewer")
    page = (await viewer.get(f"/admin/reports/{world.report_a}")).text
    listing = (await viewer.get("/admin/reports")).text
    for text in (page, listing):
        assert "Mrs Jones" not in text and "Amara" not in text and "amara_k" not in text
    assert "Not yet redacted" in page
    reviewer = await as_role("reviewer")
    page = (await reviewer.get(f"/admin/reports/{world.report_a}")).text
    assert "Mrs Jones nearly got Mr Smith&#39;s tablets" in page
    assert "Amara" in page


async def test_scoped_users_see_only_their_teams_in_lists(as_role, world: World) -> None:
    reviewer = await as_role("reviewer")
    listing = (await reviewer.get("/admin/reports")).text
    assert "Rosewood House" in listing and "Oak Lodge" not in listing
    forged = (await reviewer.get(f"/admin/reports?team={world.team_b}")).text
    assert "Hoist sling" not in forged and "0 reports" in forged
    csv_text = (await reviewer.get(f"/admin/reports.csv?team={world.team_b}")).text
    assert "Hoist sling" not in csv_text
    actions = (await reviewer.get("/admin/actions")).text
    assert "Photo ID on every MAR chart" in actions
