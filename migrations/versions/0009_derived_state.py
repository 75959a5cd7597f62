"""Derived-view markers: a token per cached view that changes with every change the view reads (issue 13).

One row per view, inserted here, so writers only ever UPDATE them.

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

VIEWS = ("backlog", "reports")


def upgrade() -> None:
    op.create_table(
        "derived_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_derived_state")),
    )
    for name in VIEWS:
        op.execute(
            sa.text(
                "INSERT INTO derived_state (name, token, changed_at) VALUES (:name, 'initial', CURRENT_TIMESTAMP)"
            ).bindparams(name=name)
        )


def downgrade() -> None:
    op.drop_table("derived_state")
