"""action_owners_and_rechecks: an action's owner as an admin user, and its re-audit.

Actions kept their owner as free text; an owner chosen from the admin's users is now also
linked by id (the text stays, and is all older actions have). An optional "check it worked
by" date asks for a re-audit, whose outcome is recorded with when and by whom.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the owner's user id and the re-audit's date, outcome, time and author."""
    with op.batch_alter_table("actions") as batch:
        batch.add_column(sa.Column("owner_user_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("recheck_by", sa.Date(), nullable=True))
        batch.add_column(sa.Column("recheck_outcome", sa.Text(), nullable=True))
        batch.add_column(sa.Column("rechecked_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("rechecked_by", sa.String(length=254), nullable=True))
        batch.create_foreign_key(op.f("fk_actions_owner_user_id_admin_users"), "admin_users",
                                 ["owner_user_id"], ["id"], ondelete="SET NULL")
        batch.create_index(op.f("ix_actions_owner_user_id"), ["owner_user_id"])


def downgrade() -> None:
    """Drop them: owners stay as their text, re-audit dates and outcomes are lost."""
    with op.batch_alter_table("actions") as batch:
        batch.drop_index(op.f("ix_actions_owner_user_id"))
        batch.drop_constraint(op.f("fk_actions_owner_user_id_admin_users"), type_="foreignkey")
        for column in ("rechecked_by", "rechecked_at", "recheck_outcome", "recheck_by",
                       "owner_user_id"):
            batch.drop_column(column)
