"""Council scale (issue 13): searching improvements by any part of their reference, title or problem.

On PostgreSQL, trigram indexes (the pg_trgm extension, which PostgreSQL ships and lets a database's
owner enable) serve ``lower(column) LIKE '%words%'``, so a search reads the matching rows instead of
lower-casing all 50,000 titles and problems. SQLite has no such index and keeps scanning (about 40-65 ms
at that size). The models do not declare these indexes: ``migrations/env.py`` leaves them out of the
models-versus-migrations comparison by name.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = ("ref", "title", "problem")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    for column in COLUMNS:
        op.execute(
            sa.text(
                f"CREATE INDEX ix_improvement_{column}_trigram ON improvement "
                f"USING gin (lower({column}) gin_trgm_ops)"
            )
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.execute(sa.text(f"DROP INDEX IF EXISTS ix_improvement_{column}_trigram"))
