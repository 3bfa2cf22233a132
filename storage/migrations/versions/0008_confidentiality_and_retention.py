"""Reporter identity apart from reports, confidentiality, escalation, retention, data rights.

- report_identities takes who reported out of reports (reports.reporter_id goes); reports
  already stored were named reports, so each keeps its reporter as a named identity.
- reporters keep only a pseudonymous key (storage.identity), team and language: the key
  needs the identity key from the settings, which storage.migrate passes in.
- reports gain confidentiality, kind (near miss or incident), the harm and safeguarding
  answers, closed_at and identity_erased_at.
- teams.digest_changed_at and digest_runs.sent: a schedule change or a new team no longer
  sends last period's digest at once (bot/scheduler.py).
- team_contacts, escalations, retention_policy (one row), retention_runs, privacy_log
  (append-only, like audit_log).

The reports table is rebuilt on SQLite (a column goes), so the FTS triggers of 0003 are
dropped before and made again after.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.identity import telegram_key
from storage.search_index import create_statements, drop_statements

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "privacy log is append-only"


def upgrade() -> None:
    """Create the new tables, move identities out of reports, pseudonymise reporters."""
    _create_tables()
    op.execute(
        "INSERT INTO report_identities (report_id, telegram_user_id, first_name, username, "
        "created_at) SELECT r.id, p.telegram_user_id, p.first_name, p.username, r.submitted_at "
        "FROM reports r JOIN reporters p ON p.id = r.reporter_id"
    )
    _alter_reports()
    op.execute("UPDATE reports SET closed_at = updated_at WHERE status = 'closed'")
    _pseudonymise_reporters()
    # Digests: when a team's schedule changed, and whether a recorded period was sent.
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("digest_changed_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("digest_runs") as batch:
        batch.add_column(sa.Column("sent", sa.Boolean(), server_default=sa.true(),
                                   nullable=False))
    op.execute("INSERT INTO retention_policy (id, identity_days_after_closure, report_years, "
               "updated_at) VALUES (1, 90, 8, CURRENT_TIMESTAMP)")
    _protect_privacy_log()


def _create_tables() -> None:
    op.create_table(
        "report_identities",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("first_name", sa.String(length=128), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"],
                                name=op.f("fk_report_identities_report_id_reports"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_report_identities")),
    )
    op.create_index(op.f("ix_report_identities_telegram_user_id"), "report_identities",
                    ["telegram_user_id"])
    op.create_table(
        "team_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"],
                                name=op.f("fk_team_contacts_team_id_teams"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_contacts")),
    )
    op.create_index(op.f("ix_team_contacts_team_id"), "team_contacts", ["team_id"])
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("draft_key", sa.String(length=64), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("someone_harmed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("safeguarding_concern", sa.Boolean(), server_default=sa.false(),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"],
                                name=op.f("fk_escalations_team_id_teams"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"],
                                name=op.f("fk_escalations_report_id_reports"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("draft_key", name=op.f("uq_escalations_draft_key")),
    )
    for column in ("team_id", "report_id", "created_at"):
        op.create_index(op.f(f"ix_escalations_{column}"), "escalations", [column])
    op.create_table(
        "retention_policy",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("identity_days_after_closure", sa.Integer(), nullable=False),
        sa.Column("report_years", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_policy")),
    )
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_on", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("identities_erased", sa.Integer(), nullable=False),
        sa.Column("reports_deleted", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
        sa.UniqueConstraint("run_on", name=op.f("uq_retention_runs_run_on")),
    )
    op.create_table(
        "privacy_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_log")),
    )
    op.create_index(op.f("ix_privacy_log_at"), "privacy_log", ["at"])


def _alter_reports() -> None:
    sqlite = op.get_context().dialect.name == "sqlite"
    if sqlite:
        for statement in drop_statements():
            op.execute(statement)
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("confidentiality", sa.String(length=16),
                                   server_default="named", nullable=False))
        batch.add_column(sa.Column("kind", sa.String(length=16), server_default="near_miss",
                                   nullable=False))
        batch.add_column(sa.Column("someone_harmed", sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
        batch.add_column(sa.Column("safeguarding_concern", sa.Boolean(),
                                   server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("identity_erased_at", sa.DateTime(), nullable=True))
        batch.drop_index(op.f("ix_reports_reporter_id"))
        batch.drop_constraint(op.f("fk_reports_reporter_id_reporters"), type_="foreignkey")
        batch.drop_column("reporter_id")
    if sqlite:
        for statement in create_statements():
            op.execute(statement)


def _pseudonymise_reporters() -> None:
    """Replace each reporter's Telegram id by its key; names and usernames go."""
    with op.batch_alter_table("reporters") as batch:
        batch.add_column(sa.Column("telegram_key", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, telegram_user_id FROM reporters")).all()
    config = op.get_context().config  # None when run without a configuration: no key then
    secret = config.attributes.get("identity_key") if rows and config is not None else None
    if rows and not secret:
        raise RuntimeError("reporters exist: migrate with `nearmiss migrate`, which passes the "
                           "identity key needed to pseudonymise them")
    for reporter_id, user_id in rows:
        connection.execute(sa.text("UPDATE reporters SET telegram_key = :key WHERE id = :id"),
                           {"key": telegram_key(secret, user_id), "id": reporter_id})
    with op.batch_alter_table("reporters") as batch:
        batch.drop_constraint(op.f("uq_reporters_telegram_user_id"), type_="unique")
        batch.drop_column("telegram_user_id")
        batch.drop_column("first_name")
        batch.drop_column("username")
        batch.alter_column("telegram_key", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(op.f("uq_reporters_telegram_key"), ["telegram_key"])


def _protect_privacy_log() -> None:
    """The database itself refuses UPDATE and DELETE on privacy_log."""
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for verb in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER privacy_log_no_{verb} BEFORE {verb.upper()} ON privacy_log "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END;"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION privacy_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END; $$"
        )
        op.execute(
            "CREATE TRIGGER privacy_log_append_only BEFORE UPDATE OR DELETE ON privacy_log "
            "FOR EACH ROW EXECUTE FUNCTION privacy_log_append_only()"
        )


def downgrade() -> None:
    """Undo: identities go back to reporters only as far as a Telegram id can be recovered,
    which it cannot from a key, so reporters are emptied (workers enter their code again)."""
    with op.batch_alter_table("digest_runs") as batch:
        batch.drop_column("sent")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("digest_changed_at")
    op.execute("DELETE FROM reporters")
    with op.batch_alter_table("reporters") as batch:
        batch.drop_constraint(op.f("uq_reporters_telegram_key"), type_="unique")
        batch.drop_column("telegram_key")
        batch.add_column(sa.Column("telegram_user_id", sa.BigInteger(), nullable=False))
        batch.add_column(sa.Column("first_name", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("username", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f("uq_reporters_telegram_user_id"),
                                       ["telegram_user_id"])
    sqlite = op.get_context().dialect.name == "sqlite"
    if sqlite:
        for statement in drop_statements():
            op.execute(statement)
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("reporter_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_reports_reporter_id_reporters"), "reporters",
                                 ["reporter_id"], ["id"], ondelete="SET NULL")
        batch.create_index(op.f("ix_reports_reporter_id"), ["reporter_id"])
        for column in ("identity_erased_at", "closed_at", "safeguarding_concern",
                       "someone_harmed", "kind", "confidentiality"):
            batch.drop_column(column)
    if sqlite:
        for statement in create_statements():
            op.execute(statement)
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS privacy_log_append_only() CASCADE")
    for table in ("privacy_log", "retention_runs", "retention_policy", "escalations",
                  "team_contacts", "report_identities"):
        op.drop_table(table)
