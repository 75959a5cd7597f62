"""A like-for-like adjustment's status and recurrence are checked by the database, as every other state
column is: the CHECK names the values of their enums. No data changes (the service only ever wrote these
values).

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite adds a CHECK only by rebuilding the table; PostgreSQL gets a plain ALTER TABLE.
    with op.batch_alter_table("benefit_adjustment") as batch:
        batch.create_check_constraint(
            batch.f("ck_benefit_adjustment_status_known"), "status IN ('proposed', 'confirmed')"
        )
        batch.create_check_constraint(
            batch.f("ck_benefit_adjustment_recurrence_known"), "recurrence IN ('recurring', 'one_off')"
        )


def downgrade() -> None:
    with op.batch_alter_table("benefit_adjustment") as batch:
        batch.drop_constraint(batch.f("ck_benefit_adjustment_recurrence_known"), type_="check")
        batch.drop_constraint(batch.f("ck_benefit_adjustment_status_known"), type_="check")
