"""A cashable benefit has a row per financial year: the saving planned for the year, the one-off cost of
securing it that falls in the year, and the budget reduction finance signed off (budget line, amount,
date, by whom), so savings are reported by financial year as a medium-term financial plan needs.

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "benefit_year",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("benefit_id", sa.Integer(), nullable=False),
        sa.Column("financial_year", sa.Integer(), nullable=False),
        sa.Column("planned_pence", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("one_off_cost_pence", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("budget_line", sa.String(length=200), nullable=True),
        sa.Column("taken_out_pence", sa.BigInteger(), nullable=True),
        sa.Column("taken_out_on", sa.Date(), nullable=True),
        sa.Column("taken_out_by_id", sa.Integer(), nullable=True),
        sa.Column("taken_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "financial_year >= 1990 AND financial_year <= 2100",
            name=op.f("ck_benefit_year_financial_year_range"),
        ),
        sa.CheckConstraint("planned_pence >= 0", name=op.f("ck_benefit_year_planned_not_negative")),
        sa.CheckConstraint("one_off_cost_pence >= 0", name=op.f("ck_benefit_year_one_off_cost_not_negative")),
        sa.CheckConstraint(
            "(budget_line IS NULL) = (taken_out_pence IS NULL)"
            " AND (budget_line IS NULL) = (taken_out_on IS NULL)"
            " AND (budget_line IS NULL) = (taken_out_by_id IS NULL)"
            " AND (budget_line IS NULL) = (taken_out_at IS NULL)",
            name=op.f("ck_benefit_year_budget_reduction_complete"),
        ),
        sa.CheckConstraint(
            "taken_out_pence IS NULL OR taken_out_pence > 0", name=op.f("ck_benefit_year_taken_out_positive")
        ),
        sa.ForeignKeyConstraint(
            ["benefit_id"],
            ["benefit.id"],
            name=op.f("fk_benefit_year_benefit_id_benefit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["taken_out_by_id"],
            ["user_account.id"],
            name=op.f("fk_benefit_year_taken_out_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_year")),
        sa.UniqueConstraint(
            "benefit_id", "financial_year", name=op.f("uq_benefit_year_benefit_id_financial_year")
        ),
    )
    op.create_index(op.f("ix_benefit_year_benefit_id"), "benefit_year", ["benefit_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_benefit_year_benefit_id"), table_name="benefit_year")
    op.drop_table("benefit_year")
