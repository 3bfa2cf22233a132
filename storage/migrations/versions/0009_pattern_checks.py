"""pattern_checks: reports the pattern pass has still to look at.

A submission used to look for repeating near misses itself, reading every report of its
category in the window; the pass (bot/patterns.py) now does that once for a batch of queued
reports. Reports stored before this revision were checked when they were submitted, so none
is queued.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the queue."""
    op.create_table(
        "pattern_checks",
        sa.Column("report_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"],
                                name=op.f("fk_pattern_checks_report_id_reports"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_pattern_checks")),
    )


def downgrade() -> None:
    """Drop it: what is still queued is not checked."""
    op.drop_table("pattern_checks")
