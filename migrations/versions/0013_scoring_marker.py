"""Council scale (issue 13): the marker of each member's cached list of improvements to score.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "INSERT INTO derived_state (name, token, changed_at) VALUES ('scoring', 'initial', CURRENT_TIMESTAMP)"
        )
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM derived_state WHERE name = 'scoring'"))
