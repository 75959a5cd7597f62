"""Initial schema: people, reference data, improvements, flags, outbox, job runs, audit log.

The audit log is append-only: triggers refuse UPDATE and DELETE on both databases (AUD-02).

Revision ID: 0001
Revises:
Create Date: 2026-11-29 14:23:02.669195
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

APPEND_ONLY_MESSAGE = "audit_event is append-only"

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "benefit_driver",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_driver")),
        sa.UniqueConstraint("code", name=op.f("uq_benefit_driver_code")),
    )
    op.create_table(
        "flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('stale_benefit', 'benefit_escalated', 'temporary_resource_ending', 'temporary_resource_overrun', 'condition_overdue', 'hold_review_due', 'triage_overdue')",
            name=op.f("ck_flag_kind_known"),
        ),
        sa.CheckConstraint(
            "severity IN ('info', 'warning', 'critical')", name=op.f("ck_flag_severity_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag")),
    )
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.create_index(
            "uq_flag_open_kind_subject",
            ["kind", "subject_type", "subject_id"],
            unique=True,
            sqlite_where=sa.text("resolved_on IS NULL"),
            postgresql_where=sa.text("resolved_on IS NULL"),
        )

    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=60), nullable=False),
        sa.Column("period_key", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'succeeded', 'failed')", name=op.f("ck_job_run_status_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_run")),
        sa.UniqueConstraint("job", "period_key", name=op.f("uq_job_run_job_period_key")),
    )
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
    )
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_login_attempt_email_key_attempted_at", ["email_key", "attempted_at"], unique=False
        )

    op.create_table(
        "programme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("planned_investment_pence", sa.Integer(), nullable=False),
        sa.Column("planned_annual_benefit_pence", sa.Integer(), nullable=False),
        sa.Column("planned_fte_change", sa.Numeric(precision=8, scale=1), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme")),
        sa.UniqueConstraint("code", name=op.f("uq_programme_code")),
    )
    op.create_table(
        "strategic_priority",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategic_priority")),
        sa.UniqueConstraint("code", name=op.f("uq_strategic_priority_code")),
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["team.id"], name=op.f("fk_team_parent_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
        sa.UniqueConstraint("code", name=op.f("uq_team_code")),
    )
    op.create_table(
        "maturity_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("achieved_pct", sa.Numeric(precision=5, scale=1), nullable=False),
        sa.Column("target_pct", sa.Numeric(precision=5, scale=1), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"], ["benefit_driver.id"], name=op.f("fk_maturity_assessment_driver_id_benefit_driver")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maturity_assessment")),
        sa.UniqueConstraint(
            "driver_id", "assessed_on", name=op.f("uq_maturity_assessment_driver_id_assessed_on")
        ),
    )
    with op.batch_alter_table("maturity_assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_maturity_assessment_driver_id"), ["driver_id"], unique=False)

    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("totp_secret", sa.String(length=64), nullable=True),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_user_account_email_lower_case")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_user_account_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_api_token_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("subject_version", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_audit_event_actor_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("row_hash", name=op.f("uq_audit_event_row_hash")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_subject", ["subject_type", "subject_id"], unique=False)

    op.create_table(
        "improvement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("proposal", sa.Text(), nullable=False),
        sa.Column("expected_effect", sa.Text(), nullable=False),
        sa.Column("submitter_id", sa.Integer(), nullable=True),
        sa.Column("is_anonymous", sa.Boolean(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("sponsor_id", sa.Integer(), nullable=True),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("is_mandatory", sa.Boolean(), nullable=False),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("hold_until", sa.Date(), nullable=True),
        sa.Column("held_from_stage", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(stage = 'merged') = (duplicate_of_id IS NOT NULL)", name=op.f("ck_improvement_merge_has_target")
        ),
        sa.CheckConstraint(
            "(stage = 'on_hold') = (held_from_stage IS NOT NULL)",
            name=op.f("ck_improvement_hold_remembers_stage"),
        ),
        sa.CheckConstraint(
            "held_from_stage IN ('idea', 'business_case', 'approved', 'delivery', 'realisation', 'closed', 'on_hold', 'merged', 'declined', 'withdrawn')",
            name=op.f("ck_improvement_held_from_stage_known"),
        ),
        sa.CheckConstraint("route IN ('standard', 'quick_win')", name=op.f("ck_improvement_route_known")),
        sa.CheckConstraint(
            "stage IN ('idea', 'business_case', 'approved', 'delivery', 'realisation', 'closed', 'on_hold', 'merged', 'declined', 'withdrawn')",
            name=op.f("ck_improvement_stage_known"),
        ),
        sa.CheckConstraint(
            "status IN ('submitted', 'needs_info', 'active', 'on_hold', 'closed', 'merged', 'declined', 'withdrawn')",
            name=op.f("ck_improvement_status_known"),
        ),
        sa.CheckConstraint(
            "duplicate_of_id IS NULL OR duplicate_of_id <> id",
            name=op.f("ck_improvement_not_merged_into_itself"),
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"], ["improvement.id"], name=op.f("fk_improvement_duplicate_of_id_improvement")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_improvement_owner_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programme.id"], name=op.f("fk_improvement_programme_id_programme")
        ),
        sa.ForeignKeyConstraint(
            ["sponsor_id"], ["user_account.id"], name=op.f("fk_improvement_sponsor_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["submitter_id"], ["user_account.id"], name=op.f("fk_improvement_submitter_id_user_account")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_improvement_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement")),
        sa.UniqueConstraint("ref", name=op.f("uq_improvement_ref")),
    )
    with op.batch_alter_table("improvement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_improvement_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_improvement_programme_id"), ["programme_id"], unique=False)
        batch_op.create_index("ix_improvement_stage_created_at", ["stage", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_improvement_submitter_id"), ["submitter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_improvement_team_id"), ["team_id"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("send_attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notification_dedupe_key")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_user_id_read_at", ["user_id", "read_at"], unique=False)

    op.create_table(
        "user_role",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "role IN ('staff', 'manager', 'design_authority', 'finance', 'viewer', 'admin')",
            name=op.f("ck_user_role_role_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_user_role_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_user_role")),
    )
    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_comment_author_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_comment_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_improvement_id"), ["improvement_id"], unique=False)

    op.create_table(
        "conflict_declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_conflict_declaration_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_conflict_declaration_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflict_declaration")),
        sa.UniqueConstraint(
            "improvement_id", "user_id", name=op.f("uq_conflict_declaration_improvement_id_user_id")
        ),
    )
    with op.batch_alter_table("conflict_declaration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conflict_declaration_improvement_id"), ["improvement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_conflict_declaration_user_id"), ["user_id"], unique=False)

    op.create_table(
        "improvement_driver",
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"], ["benefit_driver.id"], name=op.f("fk_improvement_driver_driver_id_benefit_driver")
        ),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_improvement_driver_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("improvement_id", "driver_id", name=op.f("pk_improvement_driver")),
    )
    op.create_table(
        "improvement_priority",
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("priority_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_improvement_priority_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["priority_id"],
            ["strategic_priority.id"],
            name=op.f("fk_improvement_priority_priority_id_strategic_priority"),
        ),
        sa.PrimaryKeyConstraint("improvement_id", "priority_id", name=op.f("pk_improvement_priority")),
    )
    op.create_table(
        "support",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_support_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_support_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support")),
        sa.UniqueConstraint("improvement_id", "user_id", name=op.f("uq_support_improvement_id_user_id")),
    )
    with op.batch_alter_table("support", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_improvement_id"), ["improvement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_support_user_id"), ["user_id"], unique=False)

    _protect_audit_log()


def _protect_audit_log() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()"
    )


def _unprotect_audit_log() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
    op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
    op.execute("DROP FUNCTION IF EXISTS audit_event_refuse_change()")


def downgrade() -> None:
    _unprotect_audit_log()
    with op.batch_alter_table("support", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_user_id"))
        batch_op.drop_index(batch_op.f("ix_support_improvement_id"))

    op.drop_table("support")
    op.drop_table("improvement_priority")
    op.drop_table("improvement_driver")
    with op.batch_alter_table("conflict_declaration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conflict_declaration_user_id"))
        batch_op.drop_index(batch_op.f("ix_conflict_declaration_improvement_id"))

    op.drop_table("conflict_declaration")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_improvement_id"))

    op.drop_table("comment")
    op.drop_table("user_role")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_user_id_read_at")

    op.drop_table("notification")
    with op.batch_alter_table("improvement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_improvement_team_id"))
        batch_op.drop_index(batch_op.f("ix_improvement_submitter_id"))
        batch_op.drop_index("ix_improvement_stage_created_at")
        batch_op.drop_index(batch_op.f("ix_improvement_programme_id"))
        batch_op.drop_index(batch_op.f("ix_improvement_owner_id"))

    op.drop_table("improvement")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_subject")

    op.drop_table("audit_event")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    op.drop_table("user_account")
    with op.batch_alter_table("maturity_assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maturity_assessment_driver_id"))

    op.drop_table("maturity_assessment")
    op.drop_table("team")
    op.drop_table("strategic_priority")
    op.drop_table("programme")
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempt_email_key_attempted_at")

    op.drop_table("login_attempt")
    op.drop_table("job_run")
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_flag_open_kind_subject",
            sqlite_where=sa.text("resolved_on IS NULL"),
            postgresql_where=sa.text("resolved_on IS NULL"),
        )

    op.drop_table("flag")
    op.drop_table("benefit_driver")
