"""The backlog's sort key in indexed columns, kept by each write, and the rank ranges worked out once
per change for every process (issue 22).

Revision ID: 0036
Revises: 0035
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backlog_key",
        sa.Column("improvement_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ranked", sa.Boolean(), nullable=False),
        sa.Column("rank_group", sa.Integer(), nullable=False),
        sa.Column("score_key", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_backlog_key_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("improvement_id", name=op.f("pk_backlog_key")),
    )
    op.create_index(
        "ix_backlog_key_order",
        "backlog_key",
        ["ranked", "rank_group", "score_key", "submitted_at", "improvement_id"],
        unique=False,
    )
    op.create_table(
        "backlog_rank_range",
        sa.Column("improvement_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("best", sa.Integer(), nullable=False),
        sa.Column("worst", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("improvement_id", name=op.f("pk_backlog_rank_range")),
    )
    op.create_table(
        "shared_view",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("computed_for", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_shared_view")),
    )
    op.execute(sa.text("INSERT INTO shared_view (name) VALUES ('rank_ranges')"))
    # Every backlog improvement's key, as models/backlog_key.py writes it (ended stages are left out).
    op.execute(
        sa.text(
            "INSERT INTO backlog_key (improvement_id, ranked, rank_group, score_key, submitted_at) "
            "SELECT i.id, CASE WHEN s.must_meet_passed = false THEN false ELSE true END, "
            "(CASE WHEN i.is_mandatory THEN 0 ELSE 1 END) * 6 "
            "+ (CASE s.status WHEN 'final' THEN 0 WHEN 'provisional' THEN 1 ELSE 2 END) * 2 "
            "+ (CASE WHEN s.weighted_score IS NULL THEN 1 ELSE 0 END), "
            "0 - COALESCE(CAST(ROUND(s.weighted_score * 10) AS INTEGER), 0), i.created_at "
            "FROM improvement i LEFT OUTER JOIN improvement_score s ON s.improvement_id = i.id "
            "WHERE i.stage NOT IN ('closed', 'declined', 'merged', 'withdrawn')"
        )
    )


def downgrade() -> None:
    op.drop_table("shared_view")
    op.drop_table("backlog_rank_range")
    op.drop_index("ix_backlog_key_order", table_name="backlog_key")
    op.drop_table("backlog_key")
