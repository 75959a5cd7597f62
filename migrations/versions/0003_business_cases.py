"""Business cases (versioned, for an improvement or a programme), their options and option years.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

KINDS = "'outline', 'full'"
STATUSES = "'draft', 'submitted', 'approved', 'returned', 'superseded'"


def upgrade() -> None:
    op.create_table(
        "business_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=True),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("based_on_version", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("strategic_fit", sa.Text(), nullable=False),
        sa.Column("preferred_option", sa.String(length=120), nullable=False),
        sa.Column("preferred_reasons", sa.Text(), nullable=False),
        sa.Column("discount_rate", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("optimism_bias_pct", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("fte_change", sa.Numeric(precision=8, scale=1), nullable=True),
        sa.Column("risks", sa.Text(), nullable=False),
        sa.Column("reform_risk", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_business_case_kind_known")),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_business_case_status_known")),
        sa.CheckConstraint(
            "(improvement_id IS NULL) <> (programme_id IS NULL)",
            name=op.f("ck_business_case_belongs_to_improvement_or_programme"),
        ),
        sa.CheckConstraint(
            "discount_rate >= 0 AND discount_rate <= 0.2", name=op.f("ck_business_case_discount_rate_range")
        ),
        sa.CheckConstraint(
            "optimism_bias_pct >= 0 AND optimism_bias_pct <= 200",
            name=op.f("ck_business_case_optimism_bias_range"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_business_case_version_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_business_case_created_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user_account.id"], name=op.f("fk_business_case_decided_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_business_case_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programme.id"], name=op.f("fk_business_case_programme_id_programme")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["user_account.id"],
            name=op.f("fk_business_case_submitted_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_case")),
        sa.UniqueConstraint(
            "improvement_id", "version", name=op.f("uq_business_case_improvement_id_version")
        ),
        sa.UniqueConstraint("programme_id", "version", name=op.f("uq_business_case_programme_id_version")),
    )
    op.create_table(
        "business_case_driver",
        sa.Column("business_case_id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_case_id"],
            ["business_case.id"],
            name=op.f("fk_business_case_driver_business_case_id_business_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["benefit_driver.id"],
            name=op.f("fk_business_case_driver_driver_id_benefit_driver"),
        ),
        sa.PrimaryKeyConstraint("business_case_id", "driver_id", name=op.f("pk_business_case_driver")),
    )
    op.create_table(
        "business_case_priority",
        sa.Column("business_case_id", sa.Integer(), nullable=False),
        sa.Column("priority_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_case_id"],
            ["business_case.id"],
            name=op.f("fk_business_case_priority_business_case_id_business_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["priority_id"],
            ["strategic_priority.id"],
            name=op.f("fk_business_case_priority_priority_id_strategic_priority"),
        ),
        sa.PrimaryKeyConstraint("business_case_id", "priority_id", name=op.f("pk_business_case_priority")),
    )
    op.create_table(
        "business_case_option",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("is_business_as_usual", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_case_id"],
            ["business_case.id"],
            name=op.f("fk_business_case_option_business_case_id_business_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_case_option")),
        sa.UniqueConstraint(
            "business_case_id", "position", name=op.f("uq_business_case_option_business_case_id_position")
        ),
    )
    op.create_table(
        "business_case_option_year",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("capital_pence", sa.BigInteger(), nullable=False),
        sa.Column("revenue_pence", sa.BigInteger(), nullable=False),
        sa.Column("cashable_benefit_pence", sa.BigInteger(), nullable=False),
        sa.Column("non_cashable_benefit_pence", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "capital_pence >= 0 AND revenue_pence >= 0 "
            "AND cashable_benefit_pence >= 0 AND non_cashable_benefit_pence >= 0",
            name=op.f("ck_business_case_option_year_amounts_not_negative"),
        ),
        sa.CheckConstraint("year >= 0 AND year <= 60", name=op.f("ck_business_case_option_year_year_range")),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["business_case_option.id"],
            name=op.f("fk_business_case_option_year_option_id_business_case_option"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_case_option_year")),
        sa.UniqueConstraint("option_id", "year", name=op.f("uq_business_case_option_year_option_id_year")),
    )


def downgrade() -> None:
    op.drop_table("business_case_option_year")
    op.drop_table("business_case_option")
    op.drop_table("business_case_priority")
    op.drop_table("business_case_driver")
    op.drop_table("business_case")
