"""Leavers: when an account was switched off and when it was anonymised, and the audit log's personal
values kept beside the hash chain so they can be erased without breaking it (docs/personal-data.md).

The append-only triggers are narrowed to allow exactly one change: setting ``audit_event.personal`` to
NULL. Every other column stays refused, and so does DELETE and (on PostgreSQL) TRUNCATE.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "audit_event is append-only"
# Every column but ``personal``: an UPDATE naming any of them is refused on SQLite.
_SEALED_COLUMNS = (
    "id",
    "occurred_at",
    "actor_id",
    "action",
    "subject_type",
    "subject_id",
    "subject_version",
    "before",
    "after",
    "reason",
    "request_id",
    "prev_hash",
    "row_hash",
    "personal_digest",
)


def upgrade() -> None:
    op.add_column("user_account", sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("user_account", sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
    # Accounts already switched off count their waiting period from this upgrade.
    op.execute("UPDATE user_account SET deactivated_at = CURRENT_TIMESTAMP WHERE is_active = false")
    op.add_column("audit_event", sa.Column("personal", sa.JSON(none_as_null=True), nullable=True))
    op.add_column("audit_event", sa.Column("personal_digest", sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        columns = ", ".join(f'"{name}"' for name in _SEALED_COLUMNS)
        op.execute(
            f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE OF {columns} ON audit_event "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_event_personal_erase_only BEFORE UPDATE OF personal ON audit_event "
            f"WHEN NEW.personal IS NOT NULL BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
        )
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        "IF TG_OP = 'UPDATE' AND NEW.personal IS NULL "
        "AND (to_jsonb(NEW) - 'personal') = (to_jsonb(OLD) - 'personal') THEN RETURN NEW; END IF; "
        f"RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_personal_erase_only")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute(
            "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
        )
    else:
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$"
        )
    # Plain DROP COLUMN: a batch rebuild of audit_event would lose its triggers.
    op.drop_column("audit_event", "personal_digest")
    op.drop_column("audit_event", "personal")
    op.drop_column("user_account", "anonymised_at")
    op.drop_column("user_account", "deactivated_at")
