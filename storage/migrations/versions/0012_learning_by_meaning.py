"""learning_by_meaning: report vectors, alerts by meaning with their members, imported ids.

report_vectors holds each report's sentence embedding and the model that made it. Pattern
alerts are found by what reports say rather than by category code and place: the old alerts,
which grouped by category alone (half of them false), are removed, the table is remade with a
scope (place, team, organisation, time), a label and a reviewer's title, and its members are
listed in pattern_alert_reports. Every stored report is queued for the new pass, which makes
its vector and finds its clusters; history found this way is not announced to groups.
Reports gain external_id, the id a report had in the spreadsheet it was imported from.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.search_index import create_statements, drop_statements

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the vectors and membership, remake the alerts, queue every report."""
    # A plain ADD COLUMN and CREATE INDEX: no table rebuild, so the FTS triggers of 0003 stay.
    op.add_column("reports", sa.Column("external_id", sa.String(length=200), nullable=True))
    op.create_index(op.f("ix_reports_external_id"), "reports", ["external_id"], unique=True)
    op.create_table(
        "report_vectors",
        sa.Column("report_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("model", sa.String(length=80), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"],
                                name=op.f("fk_report_vectors_report_id_reports"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_report_vectors")),
    )
    op.drop_table("pattern_alerts")
    op.create_table(
        "pattern_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("place", sa.String(length=200), server_default="", nullable=False),
        sa.Column("hour", sa.Integer(), nullable=True),
        sa.Column("first_report_id", sa.Integer(), nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.Column("first_date", sa.DateTime(), nullable=False),
        sa.Column("last_date", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("label", sa.Text(), server_default="", nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("title_by", sa.String(length=254), nullable=True),
        sa.Column("announced_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"],
                                name=op.f("fk_pattern_alerts_team_id_teams"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pattern_alerts")),
        sa.UniqueConstraint("scope", "first_report_id",
                            name=op.f("uq_pattern_alerts_scope_first_report_id")),
    )
    op.create_index(op.f("ix_pattern_alerts_team_id"), "pattern_alerts", ["team_id"])
    op.create_table(
        "pattern_alert_reports",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["pattern_alerts.id"],
                                name=op.f("fk_pattern_alert_reports_alert_id_pattern_alerts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"],
                                name=op.f("fk_pattern_alert_reports_report_id_reports"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alert_id", "report_id", name=op.f("pk_pattern_alert_reports")),
    )
    op.create_index(op.f("ix_pattern_alert_reports_report_id"), "pattern_alert_reports",
                    ["report_id"])
    with op.batch_alter_table("pattern_checks") as batch:
        batch.add_column(sa.Column("announce", sa.Boolean(), server_default=sa.true(),
                                   nullable=False))
    op.execute("DELETE FROM pattern_checks")
    op.execute("INSERT INTO pattern_checks (report_id, announce) "
               "SELECT id, " + ("false" if op.get_bind().dialect.name == "postgresql" else "0")
               + " FROM reports")


def downgrade() -> None:
    """Back to alerts by category and place (the alerts by meaning and the vectors are lost)."""
    with op.batch_alter_table("pattern_checks") as batch:
        batch.drop_column("announce")
    op.drop_index(op.f("ix_pattern_alert_reports_report_id"), table_name="pattern_alert_reports")
    op.drop_table("pattern_alert_reports")
    op.drop_table("pattern_alerts")
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
    op.drop_table("report_vectors")
    op.drop_index(op.f("ix_reports_external_id"), table_name="reports")
    sqlite = op.get_context().dialect.name == "sqlite"
    if sqlite:  # the rebuild drops the FTS triggers of 0003: made again after it
        for statement in drop_statements():
            op.execute(statement)
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("external_id")
    if sqlite:
        for statement in create_statements():
            op.execute(statement)
