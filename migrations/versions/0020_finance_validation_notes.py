"""Finance validation takes a note, and finance can send a benefit back to its owner with a question
(and the owner answers it) instead of validating it.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("benefit") as batch:
        batch.add_column(sa.Column("validation_note", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("finance_question", sa.Text(), nullable=True))
        batch.add_column(sa.Column("finance_question_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("finance_question_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("finance_answer", sa.Text(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_benefit_finance_question_by_id_user_account"),
            "user_account",
            ["finance_question_by_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("benefit") as batch:
        batch.drop_constraint(batch.f("fk_benefit_finance_question_by_id_user_account"), type_="foreignkey")
        for column in ("finance_answer", "finance_question_at", "finance_question_by_id", "finance_question"):
            batch.drop_column(column)
        batch.drop_column("validation_note")
