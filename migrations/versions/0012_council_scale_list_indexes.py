"""Council scale (issue 13): indexes for two lists. Open benefits by due date (a partial index), so the
tracker's first pages no longer sort every benefit; and improvements by stage and submitter, so the
ideas list counts other people's withdrawn improvements from the index alone.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_benefit_open_next_due_on_id",
        "benefit",
        ["next_due_on", "id"],
        unique=False,
        sqlite_where=sa.text("closing_status IS NULL"),
        postgresql_where=sa.text("closing_status IS NULL"),
    )
    op.create_index(
        "ix_improvement_stage_submitter_id", "improvement", ["stage", "submitter_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_improvement_stage_submitter_id", table_name="improvement")
    op.drop_index("ix_benefit_open_next_due_on_id", table_name="benefit")
