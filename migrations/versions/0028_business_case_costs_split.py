"""A business case says whether it splits its costs into capital and revenue. A case that states them as a
one-off investment and running costs, as the programme's approved case does, is shown that way rather than
as capital it never claimed.

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("business_case") as batch:
        batch.add_column(sa.Column("costs_split", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("business_case") as batch:
        batch.drop_column("costs_split")
