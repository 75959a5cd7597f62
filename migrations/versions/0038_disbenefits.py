"""Dis-benefits: the consequences of an improvement or a programme that a stakeholder sees as negative,
with who is affected, an owner, a mitigation, a status, optionally a value in pounds a year, and the
benefits each offsets.

Revision ID: 0038
Revises: 0037
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disbenefit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=True),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("affected", sa.String(length=300), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("mitigation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="open", nullable=False),
        sa.Column("annual_value_pence", sa.BigInteger(), nullable=True),
        sa.Column("cash_class", sa.String(length=20), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'mitigated', 'closed')", name=op.f("ck_disbenefit_status_known")
        ),
        sa.CheckConstraint(
            "cash_class IN ('cashable', 'non_cashable')", name=op.f("ck_disbenefit_cash_class_known")
        ),
        sa.CheckConstraint(
            "(improvement_id IS NULL) <> (programme_id IS NULL)",
            name=op.f("ck_disbenefit_improvement_or_programme"),
        ),
        sa.CheckConstraint(
            "(annual_value_pence IS NULL) = (cash_class IS NULL)"
            " AND (annual_value_pence IS NULL) = (starts_on IS NULL)",
            name=op.f("ck_disbenefit_money_complete"),
        ),
        sa.CheckConstraint(
            "annual_value_pence IS NULL OR annual_value_pence > 0", name=op.f("ck_disbenefit_value_positive")
        ),
        sa.CheckConstraint(
            "ends_on IS NULL OR (starts_on IS NOT NULL AND ends_on >= starts_on)",
            name=op.f("ck_disbenefit_ends_after"),
        ),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_disbenefit_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programme.id"], name=op.f("fk_disbenefit_programme_id_programme")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_disbenefit_owner_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_disbenefit_created_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disbenefit")),
    )
    op.create_index(op.f("ix_disbenefit_improvement_id"), "disbenefit", ["improvement_id"], unique=False)
    op.create_index(op.f("ix_disbenefit_programme_id"), "disbenefit", ["programme_id"], unique=False)
    op.create_index(op.f("ix_disbenefit_owner_id"), "disbenefit", ["owner_id"], unique=False)
    op.create_table(
        "disbenefit_offset",
        sa.Column("disbenefit_id", sa.Integer(), nullable=False),
        sa.Column("benefit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["disbenefit_id"],
            ["disbenefit.id"],
            name=op.f("fk_disbenefit_offset_disbenefit_id_disbenefit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["benefit_id"],
            ["benefit.id"],
            name=op.f("fk_disbenefit_offset_benefit_id_benefit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("disbenefit_id", "benefit_id", name=op.f("pk_disbenefit_offset")),
    )
    op.create_index(
        op.f("ix_disbenefit_offset_benefit_id"), "disbenefit_offset", ["benefit_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_disbenefit_offset_benefit_id"), table_name="disbenefit_offset")
    op.drop_table("disbenefit_offset")
    op.drop_index(op.f("ix_disbenefit_owner_id"), table_name="disbenefit")
    op.drop_index(op.f("ix_disbenefit_programme_id"), table_name="disbenefit")
    op.drop_index(op.f("ix_disbenefit_improvement_id"), table_name="disbenefit")
    op.drop_table("disbenefit")
