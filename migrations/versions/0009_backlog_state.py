"""The backlog state marker: a token that changes with every change the ranking reads (issue 13).

One row, inserted here, so writers only ever UPDATE it.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backlog_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backlog_state")),
    )
    op.execute(
        sa.text("INSERT INTO backlog_state (id, token, changed_at) VALUES (1, 'initial', CURRENT_TIMESTAMP)")
    )


def downgrade() -> None:
    op.drop_table("backlog_state")
