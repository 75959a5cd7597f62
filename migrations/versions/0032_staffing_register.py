"""A like-for-like register for a staffing saving: the price base and on-cost rates, the posts before and
after the change (grade or pay point, salary, FTE, in scope or not) and the pay awards that restate it;
like-for-like adjustments gain the pay award, inflation and income generation categories.

Revision ID: 0032
Revises: 0031
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

_OLD = (
    "'growth_position', 'external_funding', 'delivery_model_change', 'taken_as_savings', "
    "'supplies_and_services', 'other'"
)
_NEW = _OLD + ", 'pay_award', 'inflation', 'income_generation'"


def _categories(values: str) -> None:
    # Batch mode: SQLite changes a CHECK only by rebuilding the table; PostgreSQL gets ALTER TABLE.
    with op.batch_alter_table("benefit_adjustment") as batch:
        batch.drop_constraint(batch.f("ck_benefit_adjustment_category_known"), type_="check")
        batch.create_check_constraint(
            batch.f("ck_benefit_adjustment_category_known"), f"category IN ({values})"
        )


def upgrade() -> None:
    op.create_table(
        "benefit_staffing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("benefit_id", sa.Integer(), nullable=False),
        sa.Column("price_base_year", sa.Integer(), nullable=False),
        sa.Column("employer_ni_pct", sa.Numeric(5, 2), nullable=False),
        sa.Column("pension_pct", sa.Numeric(5, 2), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "price_base_year >= 1990 AND price_base_year <= 2100",
            name=op.f("ck_benefit_staffing_price_base_year_range"),
        ),
        sa.CheckConstraint(
            "employer_ni_pct >= 0 AND employer_ni_pct <= 100",
            name=op.f("ck_benefit_staffing_employer_ni_pct_range"),
        ),
        sa.CheckConstraint(
            "pension_pct >= 0 AND pension_pct <= 100", name=op.f("ck_benefit_staffing_pension_pct_range")
        ),
        sa.ForeignKeyConstraint(
            ["benefit_id"],
            ["benefit.id"],
            name=op.f("fk_benefit_staffing_benefit_id_benefit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_benefit_staffing_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_staffing")),
        sa.UniqueConstraint("benefit_id", name=op.f("uq_benefit_staffing_benefit_id")),
    )
    op.create_table(
        "benefit_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("benefit_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("grade", sa.String(length=60), nullable=False),
        sa.Column("annual_salary_pence", sa.BigInteger(), nullable=False),
        sa.Column("fte", sa.Numeric(9, 2), nullable=False),
        sa.Column("in_scope", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("side IN ('before', 'after')", name=op.f("ck_benefit_post_side_known")),
        sa.CheckConstraint("annual_salary_pence > 0", name=op.f("ck_benefit_post_salary_positive")),
        sa.CheckConstraint("fte > 0", name=op.f("ck_benefit_post_fte_positive")),
        sa.ForeignKeyConstraint(
            ["benefit_id"],
            ["benefit.id"],
            name=op.f("fk_benefit_post_benefit_id_benefit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user_account.id"], name=op.f("fk_benefit_post_recorded_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_post")),
    )
    op.create_index(op.f("ix_benefit_post_benefit_id"), "benefit_post", ["benefit_id"], unique=False)
    op.create_table(
        "benefit_pay_award",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("benefit_id", sa.Integer(), nullable=False),
        sa.Column("financial_year", sa.Integer(), nullable=False),
        sa.Column("pay_award_pct", sa.Numeric(5, 2), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "pay_award_pct >= -20 AND pay_award_pct <= 50", name=op.f("ck_benefit_pay_award_pay_award_range")
        ),
        sa.ForeignKeyConstraint(
            ["benefit_id"],
            ["benefit.id"],
            name=op.f("fk_benefit_pay_award_benefit_id_benefit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_benefit_pay_award_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_pay_award")),
        sa.UniqueConstraint(
            "benefit_id", "financial_year", name=op.f("uq_benefit_pay_award_benefit_id_financial_year")
        ),
    )
    op.create_index(
        op.f("ix_benefit_pay_award_benefit_id"), "benefit_pay_award", ["benefit_id"], unique=False
    )
    _categories(_NEW)


def downgrade() -> None:
    op.execute(
        "DELETE FROM benefit_adjustment WHERE category IN ('pay_award', 'inflation', 'income_generation')"
    )
    _categories(_OLD)
    op.drop_index(op.f("ix_benefit_pay_award_benefit_id"), table_name="benefit_pay_award")
    op.drop_table("benefit_pay_award")
    op.drop_index(op.f("ix_benefit_post_benefit_id"), table_name="benefit_post")
    op.drop_table("benefit_post")
    op.drop_table("benefit_staffing")
