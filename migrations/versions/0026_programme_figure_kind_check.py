"""A programme figure's kind is checked by the database, as every other state column is: money, percent
or number, the values of its enum. No data changes (the figures were only ever loaded with these kinds).

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite adds a CHECK only by rebuilding the table; PostgreSQL gets a plain ALTER TABLE.
    with op.batch_alter_table("programme_figure") as batch:
        batch.create_check_constraint(
            batch.f("ck_programme_figure_kind_known"), "kind IN ('money', 'percent', 'number')"
        )


def downgrade() -> None:
    with op.batch_alter_table("programme_figure") as batch:
        batch.drop_constraint(batch.f("ck_programme_figure_kind_known"), type_="check")
