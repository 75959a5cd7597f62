"""Gates G1–G3: configurable criteria and manual ticks, conditions, DA meetings, evidence attachments.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

GATES = "'G0', 'G1', 'G2', 'G3'"


def upgrade() -> None:
    op.create_table(
        "da_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("meets_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_da_meeting_created_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_da_meeting")),
    )
    with op.batch_alter_table("da_meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_da_meeting_meets_on"), ["meets_on"], unique=False)
    op.create_table(
        "da_meeting_member",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["da_meeting.id"],
            name=op.f("fk_da_meeting_member_meeting_id_da_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_da_meeting_member_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("meeting_id", "user_id", name=op.f("pk_da_meeting_member")),
    )
    with op.batch_alter_table("gate_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_gate_decision_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_gate_decision_meeting_id_da_meeting"), "da_meeting", ["meeting_id"], ["id"]
        )
    op.create_table(
        "condition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'open') = (closed_at IS NULL)", name=op.f("ck_condition_closed_when_not_open")
        ),
        sa.CheckConstraint("status IN ('open', 'met', 'waived')", name=op.f("ck_condition_status_known")),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["user_account.id"], name=op.f("fk_condition_closed_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["gate_decision.id"],
            name=op.f("fk_condition_decision_id_gate_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_condition_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_condition_owner_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_condition")),
    )
    with op.batch_alter_table("condition", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_condition_decision_id"), ["decision_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_condition_improvement_id"), ["improvement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_condition_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index("ix_condition_status_due_date", ["status", "due_date"], unique=False)
    op.create_table(
        "gate_criterion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gate", sa.String(length=2), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=6), nullable=False),
        sa.Column("check", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(f"gate IN ({GATES})", name=op.f("ck_gate_criterion_gate_known")),
        sa.CheckConstraint("kind IN ('must', 'should')", name=op.f("ck_gate_criterion_kind_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_criterion")),
        sa.UniqueConstraint("gate", "code", name=op.f("uq_gate_criterion_gate_code")),
    )
    op.create_table(
        "criterion_tick",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("is_met", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("ticked_by_id", sa.Integer(), nullable=False),
        sa.Column("ticked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["gate_criterion.id"],
            name=op.f("fk_criterion_tick_criterion_id_gate_criterion"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_criterion_tick_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticked_by_id"], ["user_account.id"], name=op.f("fk_criterion_tick_ticked_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criterion_tick")),
        sa.UniqueConstraint(
            "improvement_id", "criterion_id", name=op.f("uq_criterion_tick_improvement_id_criterion_id")
        ),
    )
    with op.batch_alter_table("criterion_tick", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_criterion_tick_improvement_id"), ["improvement_id"], unique=False
        )
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "size_bytes > 0 AND size_bytes <= 10485760", name=op.f("ck_attachment_size_allowed")
        ),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_attachment_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["user_account.id"], name=op.f("fk_attachment_uploaded_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_attachment_stored_name")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_improvement_id"), ["improvement_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_improvement_id"))
    op.drop_table("attachment")
    with op.batch_alter_table("criterion_tick", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_criterion_tick_improvement_id"))
    op.drop_table("criterion_tick")
    op.drop_table("gate_criterion")
    with op.batch_alter_table("condition", schema=None) as batch_op:
        batch_op.drop_index("ix_condition_status_due_date")
        batch_op.drop_index(batch_op.f("ix_condition_owner_id"))
        batch_op.drop_index(batch_op.f("ix_condition_improvement_id"))
        batch_op.drop_index(batch_op.f("ix_condition_decision_id"))
    op.drop_table("condition")
    with op.batch_alter_table("gate_decision", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_gate_decision_meeting_id_da_meeting"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_gate_decision_meeting_id"))
        batch_op.drop_column("meeting_id")
    op.drop_table("da_meeting_member")
    with op.batch_alter_table("da_meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_da_meeting_meets_on"))
    op.drop_table("da_meeting")
