"""An improvement can carry the leadership team's published priority for it (the close-down report ranks
its recommendations 1, 2, 3… within each benefit driver), so the rank the leadership agreed is kept and
shown rather than folded into high, medium or low.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("improvement", sa.Column("leadership_priority", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("improvement", "leadership_priority")
