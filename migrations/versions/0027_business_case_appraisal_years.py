"""Each business case states the period a recurring benefit is appraised over (ten years, the Green
Book's usual period, unless the case says otherwise), so the warning about a benefit that stops early
follows the case rather than one fixed period.

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("business_case") as batch:
        batch.add_column(sa.Column("appraisal_years", sa.Integer(), server_default="10", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("business_case") as batch:
        batch.drop_column("appraisal_years")
