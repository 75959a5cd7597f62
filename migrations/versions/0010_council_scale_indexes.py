"""Council scale (issue 13): indexes for the newest-first lists and the recent stage changes, and the
marker of the cached similar-work corpus.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_improvement_created_at_id", "improvement", ["created_at", "id"], unique=False)
    op.create_index("ix_audit_event_action_id", "audit_event", ["action", "id"], unique=False)
    op.execute(
        sa.text(
            "INSERT INTO derived_state (name, token, changed_at) VALUES ('similar', 'initial', CURRENT_TIMESTAMP)"
        )
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM derived_state WHERE name = 'similar'"))
    op.drop_index("ix_audit_event_action_id", table_name="audit_event")
    op.drop_index("ix_improvement_created_at_id", table_name="improvement")
