"""The nearmiss tables as typed SQLAlchemy 2 models."""

from storage.models.admins import ROLES, AdminUser, Category, SignInFailure, admin_user_teams
from storage.models.base import NAMING_CONVENTION, Base, UTCDateTime, utcnow
from storage.models.curation import ACTION_STATUSES, Action, AuditEntry
from storage.models.fsm import FsmRecord
from storage.models.privacy import (
    Escalation,
    PrivacyEvent,
    ReportIdentity,
    RetentionPolicy,
    RetentionRun,
    TeamContact,
)
from storage.models.reports import (
    ReferenceCounter,
    Report,
    ReportFactor,
    ReportTold,
    ReportVector,
)
from storage.models.sharing import (
    BULLETIN_TARGETS,
    OUTBOX_STATUSES,
    Bulletin,
    DigestRun,
    GroupLink,
    LinkCode,
    OutboxMessage,
    PatternAlert,
    PatternAlertReport,
    PatternCheck,
    bulletin_teams,
)
from storage.models.teams import Place, Reporter, Team

__all__ = [
    "Escalation",
    "PrivacyEvent",
    "ReportIdentity",
    "RetentionPolicy",
    "RetentionRun",
    "TeamContact",
    "BULLETIN_TARGETS",
    "Bulletin",
    "DigestRun",
    "PatternAlert",
    "PatternAlertReport",
    "ReportVector",
    "PatternCheck",
    "bulletin_teams",
    "OUTBOX_STATUSES",
    "GroupLink",
    "LinkCode",
    "OutboxMessage",
    "ACTION_STATUSES",
    "ROLES",
    "Action",
    "AdminUser",
    "AuditEntry",
    "Category",
    "SignInFailure",
    "ReportFactor",
    "admin_user_teams",
    "NAMING_CONVENTION",
    "Base",
    "FsmRecord",
    "Place",
    "ReferenceCounter",
    "Report",
    "ReportTold",
    "Reporter",
    "Team",
    "UTCDateTime",
    "utcnow",
]
