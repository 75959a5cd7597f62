"""A benefit may be emergent: not planned in the business case, recorded when it was noticed during
delivery or after. Every benefit recorded so far was planned, so the column defaults to false.

Revision ID: 0040
Revises: 0039
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("benefit") as batch:
        batch.add_column(sa.Column("emergent", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("benefit") as batch:
        batch.drop_column("emergent")
