"""Portfolio optimiser: delivery estimates on improvements and saved scenarios (issue 9).

At most one scenario is the agreed plan (a partial unique index). The delivery estimate is a plain
ADD COLUMN with its CHECK inline, on both databases (no table rebuild on SQLite).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portfolio_scenario",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_agreed", sa.Boolean(), nullable=False),
        sa.Column("agreed_by_id", sa.Integer(), nullable=True),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(is_agreed = false) OR (agreed_at IS NOT NULL)",
            name=op.f("ck_portfolio_scenario_agreed_has_date"),
        ),
        sa.ForeignKeyConstraint(
            ["agreed_by_id"],
            ["user_account.id"],
            name=op.f("fk_portfolio_scenario_agreed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_portfolio_scenario_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_scenario")),
        sa.UniqueConstraint("name", name=op.f("uq_portfolio_scenario_name")),
    )
    with op.batch_alter_table("portfolio_scenario", schema=None) as batch_op:
        batch_op.create_index(
            "uq_portfolio_scenario_one_agreed",
            ["is_agreed"],
            unique=True,
            sqlite_where=sa.text("is_agreed = 1"),
            postgresql_where=sa.text("is_agreed"),
        )

    with op.batch_alter_table("improvement", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "delivery_person_months",
                sa.Numeric(precision=6, scale=1),
                sa.CheckConstraint(
                    "delivery_person_months >= 0", name=op.f("ck_improvement_delivery_estimate_not_negative")
                ),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("improvement", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_improvement_delivery_estimate_not_negative"), type_="check")
        batch_op.drop_column("delivery_person_months")

    with op.batch_alter_table("portfolio_scenario", schema=None) as batch_op:
        batch_op.drop_index("uq_portfolio_scenario_one_agreed")
    op.drop_table("portfolio_scenario")
