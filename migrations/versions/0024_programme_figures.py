"""A programme keeps the figures its close-down report gives as context (the savings gap, the share and
cost of staff, the engagement survey, the systems per query), each with its report section, so the
close-down view shows them from the records rather than leaving them in a seed file.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "programme_figure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Numeric(20, 4), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_figure_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_figure")),
        sa.UniqueConstraint("programme_id", "key", name=op.f("uq_programme_figure_programme_id_key")),
    )
    op.create_index(
        op.f("ix_programme_figure_programme_id"), "programme_figure", ["programme_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_programme_figure_programme_id"), table_name="programme_figure")
    op.drop_table("programme_figure")
