"""Accountable owners and change control of benefits: the benefit's owner accepts its profile (who and
when), and a change to an approved benefit's baseline or target is a change request that the design
authority approves or rejects before it is applied.

Revision ID: 0041
Revises: 0040
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None

_VALUE = sa.Numeric(20, 4)


def upgrade() -> None:
    with op.batch_alter_table("benefit") as batch:
        batch.add_column(sa.Column("accepted_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_benefit_accepted_by_id_user_account"), "user_account", ["accepted_by_id"], ["id"]
        )
        batch.create_check_constraint(
            batch.f("ck_benefit_acceptance_complete"), "(accepted_by_id IS NULL) = (accepted_at IS NULL)"
        )
    op.create_table(
        "benefit_change_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("benefit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("baseline_value", _VALUE, nullable=False),
        sa.Column("baseline_date", sa.Date(), nullable=False),
        sa.Column("target_value", _VALUE, nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("was_baseline_value", _VALUE, nullable=False),
        sa.Column("was_baseline_date", sa.Date(), nullable=False),
        sa.Column("was_target_value", _VALUE, nullable=False),
        sa.Column("was_target_date", sa.Date(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), server_default="", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')",
            name=op.f("ck_benefit_change_request_status_known"),
        ),
        sa.CheckConstraint(
            "target_date > baseline_date", name=op.f("ck_benefit_change_request_target_after_baseline")
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)",
            name=op.f("ck_benefit_change_request_decided_unless_pending"),
        ),
        sa.ForeignKeyConstraint(
            ["benefit_id"],
            ["benefit.id"],
            name=op.f("fk_benefit_change_request_benefit_id_benefit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"],
            ["user_account.id"],
            name=op.f("fk_benefit_change_request_proposed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_benefit_change_request_decided_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_change_request")),
    )
    op.create_index(
        "ix_benefit_change_request_benefit_status",
        "benefit_change_request",
        ["benefit_id", "status"],
        unique=False,
    )
    op.create_index("ix_benefit_change_request_status", "benefit_change_request", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_benefit_change_request_status", table_name="benefit_change_request")
    op.drop_index("ix_benefit_change_request_benefit_status", table_name="benefit_change_request")
    op.drop_table("benefit_change_request")
    with op.batch_alter_table("benefit") as batch:
        batch.drop_constraint(batch.f("ck_benefit_acceptance_complete"), type_="check")
        batch.drop_constraint(batch.f("fk_benefit_accepted_by_id_user_account"), type_="foreignkey")
        batch.drop_column("accepted_at")
        batch.drop_column("accepted_by_id")
