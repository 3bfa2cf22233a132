"""Weekly digests (team schedule and language, one run per period) and pattern alerts.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the teams' digest settings; create digest_runs and pattern_alerts."""
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("digest_weekday", sa.Integer(), server_default="0",
                                   nullable=False))
        batch.add_column(sa.Column("digest_hour", sa.Integer(), server_default="9",
                                   nullable=False))
        batch.add_column(sa.Column("language", sa.String(length=8), server_default="en",
                                   nullable=False))
    op.create_table(
        "digest_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.DateTime(), nullable=False),
        sa.Column("period_end", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"],
                                name=op.f("fk_digest_runs_team_id_teams"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_runs")),
        sa.UniqueConstraint("team_id", "period_start",
                            name=op.f("uq_digest_runs_team_id_period_start")),
    )
    op.create_table(
        "pattern_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("first_report_id", sa.Integer(), nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.Column("first_date", sa.DateTime(), nullable=False),
        sa.Column("last_date", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"],
                                name=op.f("fk_pattern_alerts_team_id_teams"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pattern_alerts")),
        sa.UniqueConstraint("scope", "category", "place", "first_report_id",
                            name=op.f("uq_pattern_alerts_scope_category_place_first_report_id")),
    )
    op.create_index(op.f("ix_pattern_alerts_team_id"), "pattern_alerts", ["team_id"])


def downgrade() -> None:
    """Drop them again."""
    op.drop_table("pattern_alerts")
    op.drop_table("digest_runs")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("language")
        batch.drop_column("digest_hour")
        batch.drop_column("digest_weekday")
