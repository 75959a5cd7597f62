"""Business cases in the five-case model: a price base, optimism bias on benefits and duration beside
the cost bias (the single optimism bias cases had becomes the cost bias, unchanged), why those figures,
and the commercial, financial and management cases. Every new column has a default that leaves existing
cases, the programme's approved case among them, appraised exactly as before.

Revision ID: 0031
Revises: 0030
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

_TEXTS = (
    "optimism_bias_justification",
    "procurement_route",
    "contract_terms",
    "risk_transfer",
    "commercial_notes",
    "delivery_arrangements",
    "milestones",
    "benefits_realisation",
    "evaluation",
)


def upgrade() -> None:
    with op.batch_alter_table("business_case") as batch:
        batch.add_column(sa.Column("price_base_year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("benefits_bias_pct", sa.Numeric(6, 2), server_default="0", nullable=False))
        batch.add_column(sa.Column("duration_bias_pct", sa.Numeric(6, 2), server_default="0", nullable=False))
        for name in _TEXTS:
            batch.add_column(sa.Column(name, sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("funding", sa.JSON(), server_default="[]", nullable=False))
        batch.create_check_constraint(
            batch.f("ck_business_case_benefits_bias_range"),
            "benefits_bias_pct >= 0 AND benefits_bias_pct <= 100",
        )
        batch.create_check_constraint(
            batch.f("ck_business_case_duration_bias_range"),
            "duration_bias_pct >= 0 AND duration_bias_pct <= 200",
        )


def downgrade() -> None:
    with op.batch_alter_table("business_case") as batch:
        batch.drop_constraint(batch.f("ck_business_case_duration_bias_range"), type_="check")
        batch.drop_constraint(batch.f("ck_business_case_benefits_bias_range"), type_="check")
        batch.drop_column("funding")
        for name in reversed(_TEXTS):
            batch.drop_column(name)
        batch.drop_column("duration_bias_pct")
        batch.drop_column("benefits_bias_pct")
        batch.drop_column("price_base_year")
