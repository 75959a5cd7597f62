"""Dependencies between improvements (one needs another delivered first), and the go-live gate's
criterion that blocks a go while what an improvement needs is not delivered: added to a database whose
gate criteria are already seeded (a fresh one gets it from ``changeauth seed reference``).

Revision ID: 0033
Revises: 0032
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

_CRITERION = {
    "gate": "G2",
    "code": "dependencies_delivered",
    "text": "Every improvement this one needs delivered first has been delivered.",
    "kind": "must",
    "check": "dependencies_delivered",
}


def upgrade() -> None:
    op.create_table(
        "improvement_dependency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("depends_on_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "improvement_id <> depends_on_id", name=op.f("ck_improvement_dependency_not_on_itself")
        ),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_improvement_dependency_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["depends_on_id"],
            ["improvement.id"],
            name=op.f("fk_improvement_dependency_depends_on_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_improvement_dependency_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_dependency")),
        sa.UniqueConstraint(
            "improvement_id",
            "depends_on_id",
            name=op.f("uq_improvement_dependency_improvement_id_depends_on_id"),
        ),
    )
    op.create_index(
        op.f("ix_improvement_dependency_improvement_id"),
        "improvement_dependency",
        ["improvement_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_improvement_dependency_depends_on_id"),
        "improvement_dependency",
        ["depends_on_id"],
        unique=False,
    )
    bind = op.get_bind()
    seeded = bind.execute(sa.text("SELECT count(*) FROM gate_criterion WHERE gate = 'G2'")).scalar()
    exists = bind.execute(
        sa.text("SELECT count(*) FROM gate_criterion WHERE gate = 'G2' AND code = :code"),
        {"code": _CRITERION["code"]},
    ).scalar()
    if seeded and not exists:
        position = bind.execute(sa.text("SELECT coalesce(max(position), 0) + 1 FROM gate_criterion")).scalar()
        bind.execute(
            sa.text(
                'INSERT INTO gate_criterion (gate, code, text, kind, "check", position, is_active, version)'
                " VALUES (:gate, :code, :text, :kind, :check, :position, true, 1)"
            ),
            {**_CRITERION, "position": position},
        )


def downgrade() -> None:
    op.execute(
        sa.text(
            "DELETE FROM criterion_tick WHERE criterion_id IN (SELECT id FROM gate_criterion"
            " WHERE code = 'dependencies_delivered')"
        )
    )
    op.execute(sa.text("DELETE FROM gate_criterion WHERE code = 'dependencies_delivered'"))
    op.drop_index(op.f("ix_improvement_dependency_depends_on_id"), table_name="improvement_dependency")
    op.drop_index(op.f("ix_improvement_dependency_improvement_id"), table_name="improvement_dependency")
    op.drop_table("improvement_dependency")
