"""Benefits, measurements, adjustments and temporary resources (issue 7).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BENEFIT_VALUE = sa.Numeric(precision=20, scale=4)


def upgrade() -> None:
    op.create_table(
        "benefit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=True),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("cash_class", sa.String(length=20), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("baseline_value", BENEFIT_VALUE, nullable=False),
        sa.Column("baseline_date", sa.Date(), nullable=False),
        sa.Column("target_value", BENEFIT_VALUE, nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("frequency", sa.String(length=12), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("tolerance_pct", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("closing_status", sa.String(length=20), nullable=True),
        sa.Column("validated_by_id", sa.Integer(), nullable=True),
        sa.Column("validated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_period_end", sa.Date(), nullable=True),
        sa.Column("last_value", BENEFIT_VALUE, nullable=True),
        sa.Column("rag", sa.String(length=5), nullable=True),
        sa.Column("next_due_on", sa.Date(), nullable=False),
        sa.Column("escalate_after_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "cash_class IN ('cashable', 'non_cashable', 'not_monetised')",
            name=op.f("ck_benefit_cash_class_known"),
        ),
        sa.CheckConstraint("direction IN ('increase', 'decrease')", name=op.f("ck_benefit_direction_known")),
        sa.CheckConstraint(
            "frequency IN ('monthly', 'quarterly', 'six_monthly', 'annually')",
            name=op.f("ck_benefit_frequency_known"),
        ),
        sa.CheckConstraint(
            "closing_status IN ('realised', 'partially_realised', 'not_realised')",
            name=op.f("ck_benefit_closing_status_known"),
        ),
        sa.CheckConstraint("rag IN ('green', 'amber', 'red')", name=op.f("ck_benefit_rag_known")),
        sa.CheckConstraint(
            "(improvement_id IS NULL) <> (programme_id IS NULL)",
            name=op.f("ck_benefit_improvement_or_programme"),
        ),
        sa.CheckConstraint("target_date > baseline_date", name=op.f("ck_benefit_target_after_baseline")),
        sa.CheckConstraint(
            "tolerance_pct >= 0 AND tolerance_pct <= 100", name=op.f("ck_benefit_tolerance_in_range")
        ),
        sa.CheckConstraint(
            "(validated_by_id IS NULL) = (validated_at IS NULL)", name=op.f("ck_benefit_validation_complete")
        ),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_benefit_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programme.id"], name=op.f("fk_benefit_programme_id_programme")
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"], ["benefit_driver.id"], name=op.f("fk_benefit_driver_id_benefit_driver")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_benefit_owner_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["validated_by_id"], ["user_account.id"], name=op.f("fk_benefit_validated_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_benefit_created_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit")),
    )
    with op.batch_alter_table("benefit", schema=None) as batch_op:
        batch_op.create_index("ix_benefit_improvement_id", ["improvement_id"], unique=False)
        batch_op.create_index("ix_benefit_programme_id", ["programme_id"], unique=False)
        batch_op.create_index("ix_benefit_driver_id", ["driver_id"], unique=False)
        batch_op.create_index("ix_benefit_owner_id", ["owner_id"], unique=False)
        batch_op.create_index("ix_benefit_next_due_on", ["next_due_on"], unique=False)
        batch_op.create_index("ix_benefit_escalate_after_on", ["escalate_after_on"], unique=False)

    op.create_table(
        "benefit_measurement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("benefit_id", sa.Integer(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", BENEFIT_VALUE, nullable=False),
        sa.Column("data_quality", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "data_quality IN ('measured', 'estimated', 'proxy')",
            name=op.f("ck_benefit_measurement_data_quality_known"),
        ),
        sa.ForeignKeyConstraint(
            ["benefit_id"],
            ["benefit.id"],
            name=op.f("fk_benefit_measurement_benefit_id_benefit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_benefit_measurement_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_measurement")),
        sa.UniqueConstraint(
            "benefit_id", "period_end", name=op.f("uq_benefit_measurement_benefit_id_period_end")
        ),
    )

    op.create_table(
        "benefit_adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("benefit_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "category IN ('growth_position', 'external_funding', 'delivery_model_change', 'taken_as_savings', "
            "'supplies_and_services', 'other')",
            name=op.f("ck_benefit_adjustment_category_known"),
        ),
        sa.ForeignKeyConstraint(
            ["benefit_id"],
            ["benefit.id"],
            name=op.f("fk_benefit_adjustment_benefit_id_benefit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_benefit_adjustment_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_adjustment")),
    )
    with op.batch_alter_table("benefit_adjustment", schema=None) as batch_op:
        batch_op.create_index("ix_benefit_adjustment_benefit_id", ["benefit_id"], unique=False)

    op.create_table(
        "temporary_resource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role_title", sa.String(length=200), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("improvement_id", sa.Integer(), nullable=True),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("annual_cost_pence", sa.BigInteger(), nullable=False),
        sa.Column("funding_source", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("extension_until", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("extended_by_id", sa.Integer(), nullable=True),
        sa.Column("extended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actual_end_date", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('fixed_term', 'agency', 'secondment', 'contractor', 'licence', 'other')",
            name=op.f("ck_temporary_resource_kind_known"),
        ),
        sa.CheckConstraint(
            "annual_cost_pence >= 0", name=op.f("ck_temporary_resource_annual_cost_not_negative")
        ),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_temporary_resource_end_not_before_start")),
        sa.CheckConstraint(
            "extension_until IS NULL OR extension_until > end_date",
            name=op.f("ck_temporary_resource_extension_after_end"),
        ),
        sa.CheckConstraint(
            "(extension_until IS NULL) = (extension_reason IS NULL)",
            name=op.f("ck_temporary_resource_extension_has_reason"),
        ),
        sa.CheckConstraint(
            "actual_end_date IS NULL OR actual_end_date >= start_date",
            name=op.f("ck_temporary_resource_actual_end_not_before_start"),
        ),
        sa.CheckConstraint(
            "improvement_id IS NULL OR programme_id IS NULL", name=op.f("ck_temporary_resource_one_link")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_temporary_resource_team_id_team")),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_temporary_resource_improvement_id_improvement"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programme.id"], name=op.f("fk_temporary_resource_programme_id_programme")
        ),
        sa.ForeignKeyConstraint(
            ["extended_by_id"],
            ["user_account.id"],
            name=op.f("fk_temporary_resource_extended_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_temporary_resource_owner_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_temporary_resource_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_temporary_resource")),
    )
    with op.batch_alter_table("temporary_resource", schema=None) as batch_op:
        batch_op.create_index("ix_temporary_resource_team_id", ["team_id"], unique=False)
        batch_op.create_index("ix_temporary_resource_improvement_id", ["improvement_id"], unique=False)
        batch_op.create_index("ix_temporary_resource_programme_id", ["programme_id"], unique=False)
        batch_op.create_index("ix_temporary_resource_owner_id", ["owner_id"], unique=False)
        batch_op.create_index(
            "ix_temporary_resource_actual_end_date_end_date", ["actual_end_date", "end_date"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("temporary_resource", schema=None) as batch_op:
        batch_op.drop_index("ix_temporary_resource_actual_end_date_end_date")
        batch_op.drop_index("ix_temporary_resource_owner_id")
        batch_op.drop_index("ix_temporary_resource_programme_id")
        batch_op.drop_index("ix_temporary_resource_improvement_id")
        batch_op.drop_index("ix_temporary_resource_team_id")
    op.drop_table("temporary_resource")
    with op.batch_alter_table("benefit_adjustment", schema=None) as batch_op:
        batch_op.drop_index("ix_benefit_adjustment_benefit_id")
    op.drop_table("benefit_adjustment")
    op.drop_table("benefit_measurement")
    with op.batch_alter_table("benefit", schema=None) as batch_op:
        batch_op.drop_index("ix_benefit_escalate_after_on")
        batch_op.drop_index("ix_benefit_next_due_on")
        batch_op.drop_index("ix_benefit_owner_id")
        batch_op.drop_index("ix_benefit_driver_id")
        batch_op.drop_index("ix_benefit_programme_id")
        batch_op.drop_index("ix_benefit_improvement_id")
    op.drop_table("benefit")
