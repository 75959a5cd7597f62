"""Meetings: an agenda the design authority curates and orders, minutes, and actions agreed at the
meeting.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("da_meeting", sa.Column("minutes", sa.Text(), server_default="", nullable=False))
    op.create_table(
        "meeting_agenda_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["da_meeting.id"],
            name=op.f("fk_meeting_agenda_item_meeting_id_da_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_meeting_agenda_item_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["user_account.id"], name=op.f("fk_meeting_agenda_item_added_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_agenda_item")),
        sa.UniqueConstraint(
            "meeting_id", "improvement_id", name=op.f("uq_meeting_agenda_item_meeting_id_improvement_id")
        ),
    )
    op.create_index(
        op.f("ix_meeting_agenda_item_meeting_id"), "meeting_agenda_item", ["meeting_id"], unique=False
    )
    op.create_index(
        op.f("ix_meeting_agenda_item_improvement_id"), "meeting_agenda_item", ["improvement_id"], unique=False
    )
    op.create_table(
        "meeting_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["da_meeting.id"],
            name=op.f("fk_meeting_action_meeting_id_da_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_meeting_action_owner_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_meeting_action_created_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_action")),
    )
    op.create_index(op.f("ix_meeting_action_meeting_id"), "meeting_action", ["meeting_id"], unique=False)
    op.create_index(op.f("ix_meeting_action_owner_id"), "meeting_action", ["owner_id"], unique=False)


def downgrade() -> None:
    op.drop_table("meeting_action")
    op.drop_table("meeting_agenda_item")
    with op.batch_alter_table("da_meeting") as batch:
        batch.drop_column("minutes")
