"""Meeting invitations: a meeting's start time, length, place, calendar UID, sequence and cancellation,
and the calendar a notification email carries.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (with defaults for the NOT NULL ones): SQLite's batch mode would rebuild da_meeting,
    # which other tables refer to.
    op.add_column(
        "da_meeting", sa.Column("starts_at", sa.Time(), server_default=sa.text("'10:00:00'"), nullable=False)
    )
    op.add_column(
        "da_meeting",
        sa.Column("duration_minutes", sa.Integer(), server_default=sa.text("60"), nullable=False),
    )
    op.add_column("da_meeting", sa.Column("location", sa.String(length=200), nullable=True))
    op.add_column(
        "da_meeting", sa.Column("calendar_uid", sa.String(length=100), server_default="", nullable=False)
    )
    op.add_column(
        "da_meeting", sa.Column("sequence", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.add_column("da_meeting", sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("da_meeting", sa.Column("cancel_reason", sa.String(length=500), nullable=True))
    connection = op.get_bind()
    meeting = sa.table("da_meeting", sa.column("id", sa.Integer()), sa.column("calendar_uid", sa.String()))
    for (meeting_id,) in connection.execute(sa.select(meeting.c.id)).all():
        connection.execute(
            meeting.update()
            .where(meeting.c.id == meeting_id)
            .values(calendar_uid=f"{uuid.uuid4()}@changeauth")
        )
    op.create_index("uq_da_meeting_calendar_uid", "da_meeting", ["calendar_uid"], unique=True)
    if connection.dialect.name == "postgresql":
        # Every meeting has its own UID from now on; SQLite cannot drop a default without a rebuild.
        op.alter_column("da_meeting", "calendar_uid", server_default=None)
    op.add_column("notification", sa.Column("calendar", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("notification", "calendar")
    op.drop_index("uq_da_meeting_calendar_uid", table_name="da_meeting")
    for column in (
        "cancel_reason",
        "cancelled_at",
        "sequence",
        "calendar_uid",
        "location",
        "duration_minutes",
        "starts_at",
    ):
        op.drop_column("da_meeting", column)
