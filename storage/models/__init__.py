"""The nearmiss tables as typed SQLAlchemy 2 models."""

from storage.models.base import NAMING_CONVENTION, Base, UTCDateTime, utcnow
from storage.models.fsm import FsmRecord
from storage.models.reports import ReferenceCounter, Report, ReportTold
from storage.models.teams import Place, Reporter, Team

__all__ = [
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
