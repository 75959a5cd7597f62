"""Gate decisions and their attendees: the record behind triage (G0) and every later gate.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

GATES = "'G0', 'G1', 'G2', 'G3'"
DECISIONS = "'go', 'go_with_conditions', 'recycle', 'hold', 'stop', 'quick_win', 'merge'"
STAGES = (
    "'idea', 'business_case', 'approved', 'delivery', 'realisation', 'closed', "
    "'on_hold', 'merged', 'declined', 'withdrawn'"
)


def upgrade() -> None:
    op.create_table(
        "gate_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("gate", sa.String(length=2), nullable=False),
        sa.Column("decision", sa.String(length=24), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_stage", sa.String(length=20), nullable=False),
        sa.Column("to_stage", sa.String(length=20), nullable=False),
        sa.Column("hold_until", sa.Date(), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(f"gate IN ({GATES})", name=op.f("ck_gate_decision_gate_known")),
        sa.CheckConstraint(f"decision IN ({DECISIONS})", name=op.f("ck_gate_decision_decision_known")),
        sa.CheckConstraint(f"from_stage IN ({STAGES})", name=op.f("ck_gate_decision_from_stage_known")),
        sa.CheckConstraint(f"to_stage IN ({STAGES})", name=op.f("ck_gate_decision_to_stage_known")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user_account.id"], name=op.f("fk_gate_decision_decided_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"], ["improvement.id"], name=op.f("fk_gate_decision_duplicate_of_id_improvement")
        ),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_gate_decision_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_decision")),
    )
    with op.batch_alter_table("gate_decision", schema=None) as batch_op:
        batch_op.create_index("ix_gate_decision_decided_at", ["decided_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_gate_decision_improvement_id"), ["improvement_id"], unique=False)
    op.create_table(
        "gate_decision_attendee",
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["gate_decision.id"],
            name=op.f("fk_gate_decision_attendee_decision_id_gate_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_gate_decision_attendee_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("decision_id", "user_id", name=op.f("pk_gate_decision_attendee")),
    )


def downgrade() -> None:
    op.drop_table("gate_decision_attendee")
    with op.batch_alter_table("gate_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gate_decision_improvement_id"))
        batch_op.drop_index("ix_gate_decision_decided_at")
    op.drop_table("gate_decision")
