"""Scoring schemes, criteria, assessments and stored improvement scores; the roadmap quarter (issue 6).

At most one scheme is active (a partial unique index). The default scheme itself is reference data,
loaded by ``changeauth seed reference``, not by this migration.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scoring_scheme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'active', 'retired')", name=op.f("ck_scoring_scheme_status_known")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_scoring_scheme_version_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_scoring_scheme_created_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_scheme")),
        sa.UniqueConstraint("version", name=op.f("uq_scoring_scheme_version")),
    )
    with op.batch_alter_table("scoring_scheme", schema=None) as batch_op:
        batch_op.create_index(
            "uq_scoring_scheme_one_active",
            ["status"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "scheme_criterion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("weight", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("direction", sa.String(length=20), nullable=False),
        sa.Column("descriptors", sa.JSON(), nullable=False),
        sa.CheckConstraint("kind IN ('should', 'must')", name=op.f("ck_scheme_criterion_kind_known")),
        sa.CheckConstraint(
            "direction IN ('higher_better', 'lower_better')", name=op.f("ck_scheme_criterion_direction_known")
        ),
        sa.CheckConstraint("weight >= 0", name=op.f("ck_scheme_criterion_weight_not_negative")),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["scoring_scheme.id"],
            name=op.f("fk_scheme_criterion_scheme_id_scoring_scheme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheme_criterion")),
        sa.UniqueConstraint("scheme_id", "code", name=op.f("uq_scheme_criterion_scheme_id_code")),
    )
    with op.batch_alter_table("scheme_criterion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheme_criterion_scheme_id"), ["scheme_id"], unique=False)

    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessor_id"], ["user_account.id"], name=op.f("fk_assessment_assessor_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_assessment_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"], ["scoring_scheme.id"], name=op.f("fk_assessment_scheme_id_scoring_scheme")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
        sa.UniqueConstraint(
            "improvement_id",
            "assessor_id",
            "scheme_id",
            name=op.f("uq_assessment_improvement_id_assessor_id_scheme_id"),
        ),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_assessor_id"), ["assessor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessment_improvement_id"), ["improvement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessment_scheme_id"), ["scheme_id"], unique=False)

    op.create_table(
        "assessment_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("criterion_code", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= 5)", name=op.f("ck_assessment_score_score_in_range")
        ),
        sa.CheckConstraint(
            "(score IS NULL) <> (passed IS NULL)", name=op.f("ck_assessment_score_score_or_passed")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_score_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_score")),
        sa.UniqueConstraint(
            "assessment_id", "criterion_code", name=op.f("uq_assessment_score_assessment_id_criterion_code")
        ),
    )
    with op.batch_alter_table("assessment_score", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_score_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "improvement_score",
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("scorers", sa.Integer(), nullable=False),
        sa.Column("weighted_score", sa.Numeric(precision=4, scale=1), nullable=True),
        sa.Column("must_meet_passed", sa.Boolean(), nullable=True),
        sa.Column("disagreement", sa.Boolean(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("medians", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('unscored', 'provisional', 'final')", name=op.f("ck_improvement_score_status_known")
        ),
        sa.CheckConstraint(
            "weighted_score IS NULL OR (weighted_score >= 0 AND weighted_score <= 100)",
            name=op.f("ck_improvement_score_weighted_score_in_range"),
        ),
        sa.CheckConstraint("scorers >= 0", name=op.f("ck_improvement_score_scorers_not_negative")),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_improvement_score_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"], ["scoring_scheme.id"], name=op.f("fk_improvement_score_scheme_id_scoring_scheme")
        ),
        sa.PrimaryKeyConstraint("improvement_id", name=op.f("pk_improvement_score")),
    )
    # A plain ADD COLUMN on both databases (no table rebuild on SQLite).
    with op.batch_alter_table("improvement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("planned_quarter", sa.String(length=7), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("improvement", schema=None) as batch_op:
        batch_op.drop_column("planned_quarter")

    op.drop_table("improvement_score")

    with op.batch_alter_table("assessment_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_score_assessment_id"))
    op.drop_table("assessment_score")

    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_scheme_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_improvement_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_assessor_id"))
    op.drop_table("assessment")

    with op.batch_alter_table("scheme_criterion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheme_criterion_scheme_id"))
    op.drop_table("scheme_criterion")

    with op.batch_alter_table("scoring_scheme", schema=None) as batch_op:
        batch_op.drop_index("uq_scoring_scheme_one_active")
    op.drop_table("scoring_scheme")
