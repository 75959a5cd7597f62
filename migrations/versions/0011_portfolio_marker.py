"""Council scale (issue 13): the marker of the cached portfolio candidates and optimiser runs.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "INSERT INTO derived_state (name, token, changed_at) VALUES ('portfolio', 'initial', CURRENT_TIMESTAMP)"
        )
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM derived_state WHERE name = 'portfolio'"))
