"""Small async repositories around an AsyncSession; the caller commits."""

from storage.repositories.reporters import UNSET, ReporterRepository
from storage.repositories.reports import ReportRepository
from storage.repositories.teams import TeamRepository, new_join_code, normalise_code

__all__ = [
    "UNSET",
    "ReportRepository",
    "ReporterRepository",
    "TeamRepository",
    "new_join_code",
    "normalise_code",
]
