"""A shared view's result as JSON text, so views computed once per change are read by every process
(issue 22): the dashboard's figures and charts.

Revision ID: 0043
Revises: 0042
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0043"
down_revision = "0042"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shared_view") as batch:
        batch.add_column(sa.Column("payload", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shared_view") as batch:
        batch.drop_column("payload")
