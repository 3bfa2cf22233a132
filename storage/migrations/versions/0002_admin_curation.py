"""Admin panel and curation: admin users, categories, actions, audit log, report curation.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy: later changes to storage.vocab must not rewrite what this revision seeded.
CATEGORIES = (
    ("medication", "Medication"),
    ("falls", "Falls and mobility"),
    ("environment", "Environment and equipment"),
    ("behaviour", "Behaviour and distress"),
    ("personal_care", "Personal care"),
    ("safeguarding", "Safeguarding"),
    ("communication", "Communication and handover"),
    ("placement", "Placement stability"),
    ("other", "Other"),
)
REPORT_FLAGS = ("safeguarding_referral", "commissioner_notified", "family_informed")
REPORT_TEXTS = (
    "review_what",
    "review_why",
    "review_conditions",
    "review_change",
    "redacted_summary",
)
APPEND_ONLY = "audit log is append-only"


def upgrade() -> None:
    """Create the admin and curation tables, add the curation columns, seed categories."""
    _create_admin_tables()
    _create_categories()
    _create_actions()
    _create_audit_log()
    _protect_audit_log()
    _add_report_columns()
    op.create_table(
        "report_factors",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("factor", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_factors_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "factor", name=op.f("pk_report_factors")),
    )


def _create_admin_tables() -> None:
    """Create admin_users and the teams each may see."""
    op.create_table(
        "admin_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_users")),
        sa.UniqueConstraint("email", name=op.f("uq_admin_users_email")),
    )
    op.create_table(
        "admin_user_teams",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_admin_user_teams_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["admin_users.id"],
            name=op.f("fk_admin_user_teams_user_id_admin_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "team_id", name=op.f("pk_admin_user_teams")),
    )


def _create_categories() -> None:
    """Create the categories table and seed the default nine."""
    categories = op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("key", name=op.f("uq_categories_key")),
    )
    rows = [
        {"key": key, "name": name, "position": position, "active": True}
        for position, (key, name) in enumerate(CATEGORIES)
    ]
    op.bulk_insert(categories, rows)


def _create_actions() -> None:
    """Create the improvement actions table."""
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome_evidence", sa.Text(), nullable=True),
        sa.Column("completed_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_actions_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    op.create_index(op.f("ix_actions_report_id"), "actions", ["report_id"])
    op.create_index("ix_actions_status_due_date", "actions", ["status", "due_date"])


def _create_audit_log() -> None:
    """Create the audit log (no foreign keys: the trail outlives what it describes)."""
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_report_id"), "audit_log", ["report_id"])


def _protect_audit_log() -> None:
    """Make the database itself refuse UPDATE and DELETE on audit_log, not only the ORM."""
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for verb in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb} BEFORE {verb.upper()} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END;"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END; $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )


def _add_report_columns() -> None:
    """Add the curation columns and the admin list's indexes to reports."""
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("severity", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("tier", sa.String(length=16), nullable=True))
        # The server default fills the existing rows, so NOT NULL holds from the start.
        for flag in REPORT_FLAGS:
            batch.add_column(
                sa.Column(flag, sa.Boolean(), server_default=sa.false(), nullable=False)
            )
        for column in REPORT_TEXTS:
            batch.add_column(sa.Column(column, sa.Text(), nullable=True))
        batch.create_index(op.f("ix_reports_tier"), ["tier"])
        batch.create_index("ix_reports_team_id_submitted_at", ["team_id", "submitted_at"])
        # Category alone is the leading column of the new index, so its own index goes.
        batch.drop_index("ix_reports_category")
        batch.create_index("ix_reports_category_occurred_date", ["category", "occurred_date"])


def downgrade() -> None:
    """Drop the curation columns and every table this revision created."""
    with op.batch_alter_table("reports") as batch:
        batch.drop_index("ix_reports_category_occurred_date")
        batch.create_index("ix_reports_category", ["category"])
        batch.drop_index("ix_reports_team_id_submitted_at")
        batch.drop_index(op.f("ix_reports_tier"))
        for column in ("severity", "tier", *REPORT_FLAGS, *REPORT_TEXTS):
            batch.drop_column(column)
    # Dropping the table drops its triggers; the PostgreSQL function is separate.
    for table in (
        "report_factors",
        "audit_log",
        "actions",
        "categories",
        "admin_user_teams",
        "admin_users",
    ):
        op.drop_table(table)
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_log_append_only()")
