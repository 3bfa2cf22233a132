"""Full-text index over the workers' words (SQLite FTS5); nothing to do on PostgreSQL yet.

A later migration that rebuilds the reports table in batch mode drops these triggers with it:
such a migration must run drop_statements() before and create_statements() after.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

from storage.search_index import create_statements, drop_statements

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the index and its triggers, and index the reports already stored."""
    if op.get_context().dialect.name != "sqlite":
        return
    for statement in create_statements():
        op.execute(statement)


def downgrade() -> None:
    """Drop the index and its triggers."""
    if op.get_context().dialect.name != "sqlite":
        return
    for statement in drop_statements():
        op.execute(statement)
