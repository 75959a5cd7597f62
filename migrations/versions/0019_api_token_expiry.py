"""API tokens expire: each has the moment it stops working, chosen when it is made. Tokens made before
this had none; they get 90 days from the upgrade, so no system stops without warning.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_token", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    until = datetime.now(UTC) + timedelta(days=90)
    op.execute(
        sa.text("UPDATE api_token SET expires_at = :until").bindparams(
            sa.bindparam("until", until, type_=sa.DateTime(timezone=True))
        )
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
