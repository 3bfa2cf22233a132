"""A covering index for the dashboard's period queries over all teams.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["occurred_date", "team_id", "category", "place", "time_of_day", "status"]


def upgrade() -> None:
    """Create the index (a plain CREATE INDEX: no table rebuild, the FTS triggers stay)."""
    op.create_index("ix_reports_dashboard", "reports", COLUMNS)


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_reports_dashboard", table_name="reports")
