"""A benefit's baseline says how it was arrived at (measured, estimated or a proxy) and its evidence (a
note of the source and optionally a file filed with the improvement's evidence); a measurement carries
evidence too, and the benefit keeps its latest value's quality for the tracker. G2's "baselines measured" criterion reads the baseline's quality.

Existing baselines keep no quality (not recorded): nobody said how they were arrived at, so none is
claimed for them; G2 names them until their owner records it.

Revision ID: 0039
Revises: 0038
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("benefit") as batch:
        batch.add_column(sa.Column("baseline_quality", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("baseline_evidence", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("baseline_attachment_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("last_quality", sa.String(length=10), nullable=True))
        batch.create_check_constraint(
            batch.f("ck_benefit_last_quality_known"), "last_quality IN ('measured', 'estimated', 'proxy')"
        )
        batch.create_check_constraint(
            batch.f("ck_benefit_baseline_quality_known"),
            "baseline_quality IN ('measured', 'estimated', 'proxy')",
        )
        batch.create_foreign_key(
            batch.f("fk_benefit_baseline_attachment_id_attachment"),
            "attachment",
            ["baseline_attachment_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # The latest value's quality, derived like the latest value itself (Benefit.reschedule).
    op.execute(
        "UPDATE benefit SET last_quality = (SELECT m.data_quality FROM benefit_measurement m "
        "WHERE m.benefit_id = benefit.id ORDER BY m.period_end DESC LIMIT 1)"
    )
    with op.batch_alter_table("benefit_measurement") as batch:
        batch.add_column(sa.Column("evidence", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("attachment_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_benefit_measurement_attachment_id_attachment"),
            "attachment",
            ["attachment_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("benefit_measurement") as batch:
        batch.drop_constraint(batch.f("fk_benefit_measurement_attachment_id_attachment"), type_="foreignkey")
        batch.drop_column("attachment_id")
        batch.drop_column("evidence")
    with op.batch_alter_table("benefit") as batch:
        batch.drop_constraint(batch.f("fk_benefit_baseline_attachment_id_attachment"), type_="foreignkey")
        batch.drop_constraint(batch.f("ck_benefit_baseline_quality_known"), type_="check")
        batch.drop_constraint(batch.f("ck_benefit_last_quality_known"), type_="check")
        batch.drop_column("last_quality")
        batch.drop_column("baseline_attachment_id")
        batch.drop_column("baseline_evidence")
        batch.drop_column("baseline_quality")
