"""My actions (what a person has to do), the flags list with escalations for the design authority, and
the job runs for administrators and viewers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from changeauth.domain import permissions
from changeauth.queries import flags as flag_queries
from changeauth.queries.clock import today
from changeauth.queries.my_actions import my_actions
from changeauth.web.access import allowed_if
from changeauth.web.actions.forms import FLAG_KIND_LABELS, FlagFilterForm
from changeauth.web.forms import ActionDoneForm

bp = Blueprint("actions", __name__)

SUBJECT_ENDPOINTS = {
    "benefit": ("benefits.detail", "benefit_id"),
    "temporary_resource": ("temporary_resources.detail", "resource_id"),
    "improvement": ("improvements.detail", "improvement_id"),
}


@bp.app_context_processor
def _flag_labels() -> dict[str, Any]:
    return {"flag_kind_labels": FLAG_KIND_LABELS, "flag_subject_endpoints": SUBJECT_ENDPOINTS}


@bp.route("/my-actions")
@login_required
def mine() -> ResponseReturnValue:
    actions = my_actions(
        current_user, as_of=today(), grace_days=int(current_app.config["BENEFIT_GRACE_DAYS"])
    )
    return render_template("actions/mine.html", actions=actions, as_of=today(), done_form=ActionDoneForm())


@bp.route("/flags")
@allowed_if(permissions.can_view_benefits_and_resources)
def flags() -> ResponseReturnValue:
    form = FlagFilterForm(request.args)
    valid = form.validate()
    status = (form.status.data or "open") if valid else "open"
    page = flag_queries.list_flags(
        flag_queries.FlagFilters(
            kind=(form.kind.data or None) if valid else None, status=None if status == "all" else status
        ),
        current_user,
        page=request.args.get("page", 1, type=int),
    )
    escalations = flag_queries.open_escalations(current_user)
    return render_template(
        "actions/flags.html",
        form=form,
        page=page,
        escalations=escalations,
        subjects=flag_queries.describe_subjects([*page.items, *escalations]),
    )


@bp.route("/job-runs")
@allowed_if(permissions.can_view_job_runs)
def job_runs() -> ResponseReturnValue:
    page = flag_queries.list_job_runs(
        job=request.args.get("job") or None, page=request.args.get("page", 1, type=int)
    )
    return render_template("actions/job_runs.html", page=page)
