"""Small async repositories around an AsyncSession; the caller commits."""

from storage.repositories.action_list import ActionListRepository, ActionRow
from storage.repositories.admins import AdminUserRepository, CategoryRepository
from storage.repositories.bulletins import BulletinRepository
from storage.repositories.curation import ActionRepository, AuditRepository
from storage.repositories.digests import DigestRepository
from storage.repositories.escalations import EscalationRepository, Raised
from storage.repositories.groups import GroupRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.patterns import PatternRepository
from storage.repositories.privacy import PrivacyRepository, RetentionOutcome
from storage.repositories.reporters import UNSET, ReporterRepository
from storage.repositories.reports import ReportRepository
from storage.repositories.sign_ins import SignInFailureRepository
from storage.repositories.teams import (
    TeamRepository,
    could_be_code,
    new_join_code,
    normalise_code,
)
from storage.repositories.vectors import VectorRepository

__all__ = [
    "UNSET",
    "ActionListRepository",
    "ActionRepository",
    "ActionRow",
    "BulletinRepository",
    "AdminUserRepository",
    "AuditRepository",
    "DigestRepository",
    "EscalationRepository",
    "CategoryRepository",
    "OutboxRepository",
    "PatternRepository",
    "PrivacyRepository",
    "Raised",
    "RetentionOutcome",
    "GroupRepository",
    "ReportRepository",
    "ReporterRepository",
    "SignInFailureRepository",
    "TeamRepository",
    "VectorRepository",
    "new_join_code",
    "could_be_code",
    "normalise_code",
]
