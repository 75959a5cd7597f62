"""A benefit can be handed to a named business-as-usual owner, with the date and a note, so that a
programme's recurring saving (or an improvement's benefit after realisation) is still chased for
measurements once the work that made it has ended.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("benefit") as batch:
        batch.add_column(sa.Column("handed_over_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("handover_note", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("benefit") as batch:
        batch.drop_column("handover_note")
        batch.drop_column("handed_over_on")
