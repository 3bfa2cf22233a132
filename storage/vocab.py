"""The fixed vocabularies of curation, in one place for storage, admin/ and the tests."""

from __future__ import annotations

ROLES = ("admin", "reviewer", "viewer")
REPORT_STATUSES = ("new", "in_review", "actions_agreed", "closed", "not_near_miss")
SEVERITIES = ("none", "low", "moderate", "severe", "catastrophic")
TIERS = ("low", "moderate", "serious")
FACTORS = (
    "communication",
    "staffing",
    "training",
    "environment",
    "equipment",
    "documentation",
    "time_pressure",
    "process",
)
ACTION_STATUSES = ("open", "done", "not_doing")
# What the action tracker can be narrowed to: a status, or the overdue and re-audits due.
ACTION_LIST_STATUSES = ("open", "overdue", "done", "not_doing", "recheck_due")
# The admin list's sort orders; "-" means newest or last first.
REPORT_SORTS = (
    "-submitted_at",
    "submitted_at",
    "-occurred_date",
    "occurred_date",
    "reference",
    "category",
    "status",
)

# The categories a fresh install offers, in button order; migration 0002 seeds a frozen copy.
DEFAULT_CATEGORIES = (
    ("medication", "Medication"),
    ("falls", "Falls and mobility"),
    ("environment", "Environment and equipment"),
    ("behaviour", "Behaviour and distress"),
    ("personal_care", "Personal care"),
    ("safeguarding", "Safeguarding"),
    ("communication", "Communication and handover"),
    ("placement", "Placement stability"),
    ("other", "Other"),
)
