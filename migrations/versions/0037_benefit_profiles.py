"""A benefit's plan may run in steps or through values planned per period, not only in a straight line
(its planned points in their own table), and says what one measurement is: a level, the amount in the
period, or a running total. Every existing benefit stays a straight-line level, so its figures are
unchanged.

Revision ID: 0037
Revises: 0036
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("benefit") as batch:
        batch.add_column(
            sa.Column("profile_shape", sa.String(length=20), server_default="straight_line", nullable=False)
        )
        batch.add_column(
            sa.Column("measure_type", sa.String(length=20), server_default="level", nullable=False)
        )
        batch.create_check_constraint(
            batch.f("ck_benefit_profile_shape_known"),
            "profile_shape IN ('straight_line', 'stepped', 'custom')",
        )
        batch.create_check_constraint(
            batch.f("ck_benefit_measure_type_known"), "measure_type IN ('level', 'per_period', 'cumulative')"
        )
    op.create_table(
        "benefit_planned_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("benefit_id", sa.Integer(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("planned_value", sa.Numeric(20, 4), nullable=False),
        sa.ForeignKeyConstraint(
            ["benefit_id"],
            ["benefit.id"],
            name=op.f("fk_benefit_planned_point_benefit_id_benefit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_planned_point")),
        sa.UniqueConstraint(
            "benefit_id", "period_end", name=op.f("uq_benefit_planned_point_benefit_id_period_end")
        ),
    )
    op.create_index(
        op.f("ix_benefit_planned_point_benefit_id"), "benefit_planned_point", ["benefit_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_benefit_planned_point_benefit_id"), table_name="benefit_planned_point")
    op.drop_table("benefit_planned_point")
    with op.batch_alter_table("benefit") as batch:
        batch.drop_constraint(batch.f("ck_benefit_measure_type_known"), type_="check")
        batch.drop_constraint(batch.f("ck_benefit_profile_shape_known"), type_="check")
        batch.drop_column("measure_type")
        batch.drop_column("profile_shape")
