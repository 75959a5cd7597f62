"""Single sign-on: the provider identity (issuer and subject) an account is linked to.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN and an index: SQLite's batch mode would rebuild a table every other table refers to.
    op.add_column("user_account", sa.Column("oidc_issuer", sa.String(length=255), nullable=True))
    op.add_column("user_account", sa.Column("oidc_subject", sa.String(length=255), nullable=True))
    op.create_index(
        "ux_user_account_oidc_identity", "user_account", ["oidc_issuer", "oidc_subject"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ux_user_account_oidc_identity", table_name="user_account")
    op.drop_column("user_account", "oidc_subject")
    op.drop_column("user_account", "oidc_issuer")
