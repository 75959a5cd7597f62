"""Like-for-like adjustments carry a status (proposed or confirmed), whether they recur, the financial
year they apply from and the evidence for them. Only confirmed adjustments count; the adjustments already
recorded were counted as made, so they become confirmed.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN with defaults for the NOT NULL ones; the allowed values are checked by the service.
    op.add_column(
        "benefit_adjustment",
        sa.Column("status", sa.String(length=10), server_default="proposed", nullable=False),
    )
    op.add_column(
        "benefit_adjustment",
        sa.Column("recurrence", sa.String(length=10), server_default="recurring", nullable=False),
    )
    op.add_column("benefit_adjustment", sa.Column("financial_year", sa.Integer(), nullable=True))
    op.add_column("benefit_adjustment", sa.Column("evidence", sa.Text(), server_default="", nullable=False))
    op.execute("UPDATE benefit_adjustment SET status = 'confirmed'")


def downgrade() -> None:
    for column in ("evidence", "financial_year", "recurrence", "status"):
        op.drop_column("benefit_adjustment", column)
