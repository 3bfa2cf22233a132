"""Small async repositories around an AsyncSession; the caller commits."""

from storage.repositories.admins import AdminUserRepository, CategoryRepository
from storage.repositories.curation import ActionRepository, AuditRepository
from storage.repositories.reporters import UNSET, ReporterRepository
from storage.repositories.reports import ReportRepository
from storage.repositories.teams import TeamRepository, new_join_code, normalise_code

__all__ = [
    "UNSET",
    "ActionRepository",
    "AdminUserRepository",
    "AuditRepository",
    "CategoryRepository",
    "ReportRepository",
    "ReporterRepository",
    "TeamRepository",
    "new_join_code",
    "normalise_code",
]
