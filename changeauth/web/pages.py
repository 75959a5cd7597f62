"""Pieces of pages that more than one feature shows: the business case section of an improvement's
page, the plain words for an audited action, and the gate page shown again with an evidence form's
errors. A blueprint never imports another blueprint's views or
forms (``tests/unit/test_web_layout.py``); what two of them need lives here, or in ``web/forms.py``
for forms and fields, or in ``web/mail.py`` for account emails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from changeauth.domain import permissions
from changeauth.domain.business_cases import open_for_writing
from changeauth.models import Improvement
from changeauth.queries import business_cases as case_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.web.forms import AttachmentForm

ACTION_WORDS: dict[str, str] = {
    "improvement.submitted": "Idea submitted",
    "improvement.decided": "Gate decision recorded",
    "improvement.transitioned": "Stage changed",
    "improvement.edited": "Idea changed",
    "improvement.loaded": "Loaded from a spreadsheet",
    "improvement.planned": "Planned for a quarter",
    "improvement.score_final": "Score became final",
    "withdraw": "Withdrawn by the submitter",
    "resubmit": "Answered and resubmitted",
    "comment.added": "Comment added",
    "support.added": "Support added",
    "support.removed": "Support removed",
    "conflict.declared": "Conflict of interest declared",
    "criterion.ticked": "Gate criterion ticked",
    "gate_criterion.edited": "Gate criterion changed",
    "attachment.added": "Evidence attached",
    "business_case.created": "Business case started",
    "business_case.updated": "Business case saved",
    "business_case.submitted": "Business case submitted",
    "business_case.approved": "Business case approved",
    "business_case.returned": "Business case sent back",
    "business_case.loaded": "Business case loaded",
    "benefit.created": "Benefit added",
    "benefit.updated": "Benefit profile changed",
    "benefit.measurement_recorded": "Measurement recorded",
    "benefit.validated": "Benefit validated by finance",
    "benefit.adjustment_recorded": "Adjustment recorded",
    "benefit.adjustment_loaded": "Adjustment loaded",
    "benefit.reopened": "Benefit reopened",
    "benefit.accepted": "Benefit accepted by its owner",
    "benefit.change_proposed": "Change to the baseline or target proposed",
    "benefit.change_approved": "Change to the baseline or target approved",
    "benefit.change_rejected": "Change to the baseline or target rejected",
    "benefit.validation_withdrawn": "Finance validation withdrawn",
    "benefit.loaded": "Benefit loaded",
    "temporary_resource.created": "Temporary resource added",
    "temporary_resource.extended": "Temporary resource extended",
    "temporary_resource.ended": "Temporary resource ended",
    "temporary_resource.loaded": "Temporary resource loaded",
    "meeting.created": "Meeting arranged",
    "meeting.changed": "Meeting changed",
    "meeting.cancelled": "Meeting cancelled",
    "meeting.action_added": "Meeting action recorded",
    "meeting.action_done": "Meeting action done",
    "scoring_scheme.seeded": "First scoring scheme loaded",
    "scoring_scheme.drafted": "Scoring scheme drafted",
    "scoring_scheme.draft_changed": "Scoring scheme draft changed",
    "scoring_scheme.activated": "Scoring scheme made active",
    "portfolio_scenario.saved": "Portfolio scenario saved",
    "portfolio_scenario.agreed": "Portfolio scenario agreed",
    "programme.loaded": "Programme loaded",
    "api_token.created": "API token created",
    "api_token.revoked": "API token revoked",
    "audit.chain_verified": "Audit log checked",
    "user.created": "Account created",
    "user.email_changed": "Email address changed",
    "user.password_changed": "Password changed",
    "user.password_link_issued": "Set-password link sent",
    "user.recovery_code_used": "Recovery code used",
    "user.recovery_codes_replaced": "Recovery codes replaced",
    "user.roles_changed": "Roles changed",
    "user.second_factor_replaced": "Second factor replaced",
    "user.second_factor_reset": "Second factor reset",
    "user.sessions_ended": "Signed out everywhere",
    "user.sign_in_refused": "Sign-in refused",
    "user.sso_linked": "Linked to the council's sign-in",
    "user.personal_data_exported": "Personal data exported (subject access)",
    "user.anonymised": "Account anonymised (leaver)",
}


def action_words(action: str) -> str:
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    kind, _dot, what = action.rpartition(".")
    words = what.replace("_", " ")
    return f"{kind.replace('_', ' ').capitalize()}: {words}" if kind else words.capitalize()


def may_write_business_case(improvement: Improvement) -> bool:
    """Whether the signed-in person may write the improvement's business case now."""
    return permissions.can_write_business_case(
        *improvement_queries.access_to(improvement, current_user)
    ) and open_for_writing(improvement.stage, improvement.route)


def case_section(improvement: Improvement) -> dict[str, Any]:
    """What the improvement page's "Business case" section needs (the view there merges it in)."""
    programme_id = improvement.programme_id
    return {
        "business_case": case_queries.summary_for_improvement(improvement.id),
        "may_write_business_case": may_write_business_case(improvement),
        "programme_case_url": (
            url_for("business_cases.programme_case", programme_id=programme_id)
            if programme_id is not None and case_queries.programme_case_exists(programme_id)
            else None
        ),
    }


# The gate page belongs to the gates blueprint, which hands its renderer over here when it is
# imported; the evidence upload (the attachments blueprint) shows it again when its form has errors.
GateRenderer = Callable[..., ResponseReturnValue]
_gate_page: list[GateRenderer] = []


def shows_the_gate_page(render: GateRenderer) -> GateRenderer:
    """Register the gates blueprint's renderer of its page with an evidence form that has errors."""
    _gate_page[:] = [render]
    return render


def gate_page_with_errors(improvement_id: int, *, attachment_form: AttachmentForm) -> ResponseReturnValue:
    """The gate page again with the evidence form that came back with errors, and its input kept."""
    (render,) = _gate_page
    return render(improvement_id, attachment_form=attachment_form)
