"""Every column that names a person (a foreign key to an account) is accounted for in the subject access
export (docs/personal-data.md): either a section lists it, or the audit log's section does because only
the person's own action sets it. A new column naming a person fails here until the export covers it."""

from __future__ import annotations

import re
from pathlib import Path

import changeauth.models  # noqa: F401  (every table on the metadata)
from changeauth.db import Base

# "table.column": the export section that shows it. "audit_log_actions" only where the column records
# the person's own action, which the audit log lists with its date.
COVERED = {
    "api_token.user_id": "api_tokens",
    "assessment.assessor_id": "assessments",
    "attachment.uploaded_by_id": "attachments",
    "audit_event.actor_id": "audit_log_actions",
    "benefit.owner_id": "responsibilities",
    "benefit.validated_by_id": "audit_log_actions",
    "benefit.finance_question_by_id": "audit_log_actions",
    "benefit.created_by_id": "audit_log_actions",
    # Accepting, proposing and deciding a change are each audited as the person's own action.
    "benefit.accepted_by_id": "audit_log_actions",
    "benefit_change_request.proposed_by_id": "audit_log_actions",
    "benefit_change_request.decided_by_id": "audit_log_actions",
    "benefit_adjustment.recorded_by_id": "audit_log_actions",
    "benefit_measurement.recorded_by_id": "audit_log_actions",
    "benefit_pay_award.recorded_by_id": "audit_log_actions",
    "benefit_post.recorded_by_id": "audit_log_actions",
    "benefit_review.decided_by_id": "audit_log_actions",
    "benefit_staffing.updated_by_id": "audit_log_actions",
    "benefit_year.taken_out_by_id": "audit_log_actions",
    "business_case.created_by_id": "audit_log_actions",
    "business_case.submitted_by_id": "audit_log_actions",
    "business_case.decided_by_id": "audit_log_actions",
    "comment.author_id": "comments",
    "condition.owner_id": "conditions",
    "condition.closed_by_id": "audit_log_actions",
    "conflict_declaration.user_id": "conflicts",
    "criterion_tick.ticked_by_id": "audit_log_actions",
    "da_meeting.created_by_id": "audit_log_actions",
    "da_meeting_member.user_id": "responsibilities",
    "disbenefit.owner_id": "responsibilities",
    "disbenefit.created_by_id": "audit_log_actions",
    "gate_decision.decided_by_id": "decisions",
    "gate_decision_attendee.user_id": "decisions",
    "improvement.submitter_id": "ideas",
    "improvement.owner_id": "ideas",
    "improvement.sponsor_id": "ideas",
    "improvement_dependency.recorded_by_id": "audit_log_actions",
    "lesson.recorded_by_id": "lessons",
    "meeting_action.owner_id": "responsibilities",
    "meeting_action.created_by_id": "audit_log_actions",
    "meeting_agenda_item.added_by_id": "audit_log_actions",
    "notification.user_id": "notifications",
    # Sign-in secrets: the export says when they were set up (account, security events), never the secret.
    "password_token.user_id": "security_events",
    "password_token.created_by_id": "audit_log_actions",
    "portfolio_scenario.created_by_id": "audit_log_actions",
    "portfolio_scenario.agreed_by_id": "audit_log_actions",
    "recovery_code.user_id": "security_events",
    "scoring_scheme.created_by_id": "audit_log_actions",
    "second_factor_attempt.user_id": "second_factor_attempts",
    "support.user_id": "supports",
    "temporary_resource.extended_by_id": "audit_log_actions",
    "temporary_resource.owner_id": "responsibilities",
    "temporary_resource.created_by_id": "audit_log_actions",
    "user_role.user_id": "account",
}

SOURCE = Path(__file__).resolve().parents[2] / "changeauth" / "queries" / "personal_data.py"


def _person_columns() -> set[str]:
    return {
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        for key in column.foreign_keys
        if key.column.table.name == "user_account"
    }


def _sections() -> set[str]:
    # Each section is built as Section("key", "Heading", ...); the account block is its own part.
    return set(re.findall(r'Section\(\s*"([a-z_]+)"', SOURCE.read_text())) | {"account"}


def test_every_column_naming_a_person_is_covered_by_the_export() -> None:
    missing = sorted(_person_columns() - COVERED.keys())
    assert not missing, f"Add these to the subject access export, then to COVERED: {missing}"


def test_the_list_names_only_real_columns_and_sections() -> None:
    assert not sorted(COVERED.keys() - _person_columns())
    assert not sorted(set(COVERED.values()) - _sections())
