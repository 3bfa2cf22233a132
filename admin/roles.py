"""Who may do what in the admin, decided on the server for every page, action and export."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request

ALL = frozenset({"admin", "reviewer", "viewer"})
CURATORS = frozenset({"admin", "reviewer"})

# A permission names a thing a person can see or do; each lists the roles that hold it.
PERMISSIONS: dict[str, frozenset[str]] = {
    "reports.read": ALL,  # de-identified: reference, dates, place, category, redacted summary
    "reports.words": CURATORS,  # the worker's own free text, which may name people
    "reports.reporter": CURATORS,  # who reported a named report
    # Who reported a confidential report: only to send feedback, so administrators alone.
    "reports.reporter.confidential": frozenset({"admin"}),
    "reports.curate": CURATORS,
    "actions.manage": CURATORS,
    "audit.read": CURATORS,
    "dashboard": ALL,
    "governance": ALL,
    "export.csv": CURATORS,
    "bulletins": CURATORS,  # draft, edit and approve learning bulletins for their teams
    "escalations": CURATORS,  # see and acknowledge harm and safeguarding escalations
    "privacy": frozenset({"admin"}),  # retention policy, subject access and erasure requests
    "manage": frozenset({"admin"}),  # users, teams, places, categories, reporters
}
# Which permission shows who reported, by the report's confidentiality; anonymous: nobody.
REPORTER_PERMISSION = {"named": "reports.reporter",
                       "confidential": "reports.reporter.confidential"}


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in person, as loaded for this request."""

    id: int
    email: str
    role: str
    team_ids: tuple[int, ...]

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]

    def sees_reporter(self, confidentiality: str) -> bool:
        """Whether this person may see who made a report of this confidentiality."""
        permission = REPORTER_PERMISSION.get(confidentiality)
        return permission is not None and self.can(permission)

    @property
    def scope(self) -> tuple[int, ...] | None:
        """Teams this person may see: None means every team (administrators)."""
        return None if self.role == "admin" else self.team_ids

    def sees_team(self, team_id: int) -> bool:
        return self.scope is None or team_id in self.scope


def current_user(request: Request) -> CurrentUser:
    """The user authenticated for this request (set by the authentication backend)."""
    user = getattr(request.state, "nearmiss_user", None)
    if not isinstance(user, CurrentUser):
        raise HTTPException(status_code=401)
    return user


def require(request: Request, permission: str) -> CurrentUser:
    """The current user, or 403 when their role lacks the permission."""
    user = current_user(request)
    if not user.can(permission):
        raise HTTPException(status_code=403, detail="Your role does not allow this.")
    return user
