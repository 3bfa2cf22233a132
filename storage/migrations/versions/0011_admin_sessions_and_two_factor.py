"""admin_sessions_and_two_factor: revocable sessions, TOTP, throttled sign-in.

admin_users gains session_version (in the signed cookie; raising it ends every session the
person has open) and the TOTP secret with the last time step used. The per-account lock-out
(failed_logins, locked_until), which let anyone who knew an address lock its owner out, is
replaced by sign_in_failures: failures by address and client, which throttle that client and
are listed for administrators.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the columns, drop the lock-out, create the failures table."""
    with op.batch_alter_table("admin_users") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch.drop_column("failed_logins")
        batch.drop_column("locked_until")
    with op.batch_alter_table("admin_users") as batch:
        batch.alter_column("session_version", server_default=None)
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index("ix_sign_in_failures_email_client", "sign_in_failures",
                    ["email", "client", "failed_at"])
    op.create_index("ix_sign_in_failures_client", "sign_in_failures", ["client", "failed_at"])


def downgrade() -> None:
    """Back to the lock-out columns (every account unlocked); failures and TOTP are lost."""
    op.drop_index("ix_sign_in_failures_client", table_name="sign_in_failures")
    op.drop_index("ix_sign_in_failures_email_client", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
    with op.batch_alter_table("admin_users") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_secret")
        batch.drop_column("session_version")
    with op.batch_alter_table("admin_users") as batch:
        batch.alter_column("failed_logins", server_default=None)
