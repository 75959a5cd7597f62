"""A meeting's action carries a version, so marking it done from a page is guarded like every other
write: two people marking it at once record it once, the second told someone else did.

Revision ID: 0044
Revises: 0043
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0044"
down_revision = "0043"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meeting_action") as batch:
        # Existing actions start at 1, as a new one does.
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("meeting_action") as batch:
        batch.drop_column("version")
