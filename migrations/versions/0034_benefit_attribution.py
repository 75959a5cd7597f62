"""A benefit may name the measure or budget line it shares with other benefits and the share of it its
improvement claims, so one saving is not counted twice: the shares of a measure add up to 100 % at most.

Revision ID: 0034
Revises: 0033
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("benefit") as batch:
        batch.add_column(sa.Column("shared_measure", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("shared_measure_key", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("share_pct", sa.Numeric(5, 2), nullable=True))
        batch.create_check_constraint(
            batch.f("ck_benefit_share_in_range"), "share_pct IS NULL OR (share_pct > 0 AND share_pct <= 100)"
        )
        batch.create_check_constraint(
            batch.f("ck_benefit_share_of_a_measure"), "share_pct IS NULL OR shared_measure_key IS NOT NULL"
        )
        batch.create_index("ix_benefit_shared_measure_key", ["shared_measure_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("benefit") as batch:
        batch.drop_index("ix_benefit_shared_measure_key")
        batch.drop_constraint(batch.f("ck_benefit_share_of_a_measure"), type_="check")
        batch.drop_constraint(batch.f("ck_benefit_share_in_range"), type_="check")
        batch.drop_column("share_pct")
        batch.drop_column("shared_measure_key")
        batch.drop_column("shared_measure")
