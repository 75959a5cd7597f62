"""The benefits review's decision on each benefit (continue, revise, close or hand over, with the variance
the review saw and its causes) and the lessons log; the benefits review's criterion that every benefit has
a decision, added to a database whose gate criteria are already seeded (a fresh one gets it from
``changeauth seed reference``), and the closing criterion's words for a benefit handed over.

Revision ID: 0035
Revises: 0034
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

_CRITERION = {
    "gate": "G3",
    "code": "benefits_reviewed",
    "text": "Every benefit has a benefits review decision: continue, revise, close or hand over.",
    "kind": "must",
    "check": "benefits_reviewed",
}
_CLOSED_BEFORE = "Every benefit has a closing status."
_CLOSED_AFTER = "Every benefit has a closing status or a business-as-usual owner who keeps measuring it."


def upgrade() -> None:
    op.create_table(
        "benefit_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("benefit_id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("causes", sa.Text(), server_default="", nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=True),
        sa.Column("planned_value", sa.Numeric(20, 4), nullable=True),
        sa.Column("actual_value", sa.Numeric(20, 4), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "decision IN ('continue', 'revise', 'close', 'hand_over')",
            name=op.f("ck_benefit_review_decision_known"),
        ),
        sa.ForeignKeyConstraint(
            ["benefit_id"],
            ["benefit.id"],
            name=op.f("fk_benefit_review_benefit_id_benefit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_benefit_review_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user_account.id"], name=op.f("fk_benefit_review_decided_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_review")),
        sa.UniqueConstraint("benefit_id", name=op.f("uq_benefit_review_benefit_id")),
    )
    op.create_index(
        op.f("ix_benefit_review_improvement_id"), "benefit_review", ["improvement_id"], unique=False
    )
    op.create_table(
        "lesson",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=True),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("what_happened", sa.Text(), nullable=False),
        sa.Column("next_time", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(improvement_id IS NULL) <> (programme_id IS NULL)",
            name=op.f("ck_lesson_from_improvement_or_programme"),
        ),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_lesson_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programme.id"], name=op.f("fk_lesson_programme_id_programme")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_lesson_team_id_team")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user_account.id"], name=op.f("fk_lesson_recorded_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson")),
    )
    op.create_index(op.f("ix_lesson_improvement_id"), "lesson", ["improvement_id"], unique=False)
    op.create_index(op.f("ix_lesson_programme_id"), "lesson", ["programme_id"], unique=False)
    op.create_index(op.f("ix_lesson_team_id"), "lesson", ["team_id"], unique=False)

    bind = op.get_bind()
    seeded = bind.execute(sa.text("SELECT count(*) FROM gate_criterion WHERE gate = 'G3'")).scalar()
    exists = bind.execute(
        sa.text("SELECT count(*) FROM gate_criterion WHERE gate = 'G3' AND code = :code"),
        {"code": _CRITERION["code"]},
    ).scalar()
    if seeded and not exists:
        position = bind.execute(sa.text("SELECT coalesce(max(position), 0) + 1 FROM gate_criterion")).scalar()
        bind.execute(
            sa.text(
                'INSERT INTO gate_criterion (gate, code, text, kind, "check", position, is_active, version)'
                " VALUES (:gate, :code, :text, :kind, :check, :position, true, 1)"
            ),
            {**_CRITERION, "position": position},
        )
    # Only the default words: an administrator's own wording is theirs.
    bind.execute(
        sa.text("UPDATE gate_criterion SET text = :after WHERE code = 'benefits_closed' AND text = :before"),
        {"before": _CLOSED_BEFORE, "after": _CLOSED_AFTER},
    )


def downgrade() -> None:
    op.execute(
        sa.text(
            "DELETE FROM criterion_tick WHERE criterion_id IN (SELECT id FROM gate_criterion"
            " WHERE code = 'benefits_reviewed')"
        )
    )
    op.execute(sa.text("DELETE FROM gate_criterion WHERE code = 'benefits_reviewed'"))
    op.get_bind().execute(
        sa.text("UPDATE gate_criterion SET text = :before WHERE code = 'benefits_closed' AND text = :after"),
        {"before": _CLOSED_BEFORE, "after": _CLOSED_AFTER},
    )
    op.drop_index(op.f("ix_lesson_team_id"), table_name="lesson")
    op.drop_index(op.f("ix_lesson_programme_id"), table_name="lesson")
    op.drop_index(op.f("ix_lesson_improvement_id"), table_name="lesson")
    op.drop_table("lesson")
    op.drop_index(op.f("ix_benefit_review_improvement_id"), table_name="benefit_review")
    op.drop_table("benefit_review")
