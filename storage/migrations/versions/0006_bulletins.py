"""Learning bulletins, their target teams, and a redacted "how it was prevented".

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create bulletins and bulletin_teams; add reports.redacted_prevented (no table rebuild,
    so the FTS triggers of 0003 stay)."""
    op.add_column("reports", sa.Column("redacted_prevented", sa.Text(), nullable=True))
    op.create_table(
        "bulletins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("target", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("approved_by", sa.String(length=254), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"],
                                name=op.f("fk_bulletins_report_id_reports"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletins")),
    )
    op.create_index(op.f("ix_bulletins_report_id"), "bulletins", ["report_id"])
    op.create_table(
        "bulletin_teams",
        sa.Column("bulletin_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["bulletin_id"], ["bulletins.id"],
                                name=op.f("fk_bulletin_teams_bulletin_id_bulletins"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"],
                                name=op.f("fk_bulletin_teams_team_id_teams"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("bulletin_id", "team_id", name=op.f("pk_bulletin_teams")),
    )


def downgrade() -> None:
    """Drop them again."""
    op.drop_table("bulletin_teams")
    op.drop_table("bulletins")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("redacted_prevented")
