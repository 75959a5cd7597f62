"""Filters for the flags and job-run lists."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField
from wtforms.validators import Optional

from changeauth.web.forms import PageForm

FLAG_KIND_LABELS = {
    "stale_benefit": "Benefit measurement overdue",
    "benefit_escalated": "Benefit escalated",
    "benefit_out_of_tolerance": "Benefit off track",
    "temporary_resource_ending": "Temporary resource ending soon",
    "temporary_resource_overrun": "Temporary resource overrun",
    "condition_overdue": "Gate condition overdue",
    "hold_review_due": "Hold due a review",
    "triage_overdue": "Idea waiting for triage",
}


class FlagFilterForm(PageForm):
    class Meta:
        csrf = False

    kind = SelectField(
        "Kind",
        choices=[SelectChoice("", "Any")] + [SelectChoice(k, v) for k, v in FLAG_KIND_LABELS.items()],
        validators=[Optional()],
    )
    status = SelectField(
        "Status",
        choices=[
            SelectChoice("open", "Open"),
            SelectChoice("resolved", "Resolved"),
            SelectChoice("all", "All"),
        ],
        validators=[Optional()],
    )
