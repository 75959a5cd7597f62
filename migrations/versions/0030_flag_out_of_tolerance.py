"""A benefit out of tolerance is a kind of flag: the CHECK on the flag's kind names it too. No data
changes.

Revision ID: 0030
Revises: 0029
"""

from __future__ import annotations

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

_BEFORE = (
    "stale_benefit",
    "benefit_escalated",
    "temporary_resource_ending",
    "temporary_resource_overrun",
    "condition_overdue",
    "hold_review_due",
    "triage_overdue",
)
_AFTER = (
    "stale_benefit",
    "benefit_escalated",
    "benefit_out_of_tolerance",
    "temporary_resource_ending",
    "temporary_resource_overrun",
    "condition_overdue",
    "hold_review_due",
    "triage_overdue",
)


def _kinds(kinds: tuple[str, ...]) -> str:
    return "kind IN ({})".format(", ".join(f"'{kind}'" for kind in kinds))


def _replace(kinds: tuple[str, ...]) -> None:
    # Batch mode: SQLite changes a CHECK only by rebuilding the table; PostgreSQL gets ALTER TABLE.
    with op.batch_alter_table("flag") as batch:
        batch.drop_constraint(batch.f("ck_flag_kind_known"), type_="check")
        batch.create_check_constraint(batch.f("ck_flag_kind_known"), _kinds(kinds))


def upgrade() -> None:
    _replace(_AFTER)


def downgrade() -> None:
    op.execute(f"DELETE FROM flag WHERE NOT ({_kinds(_BEFORE)})")
    _replace(_BEFORE)
