"""The triage queue and the G0 decision page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from changeauth.domain import permissions
from changeauth.domain.errors import ValidationFailed
from changeauth.domain.lifecycle import Gate
from changeauth.queries import clock, similar, triage, users
from changeauth.queries import improvements as improvement_queries
from changeauth.services import transitions
from changeauth.web.forms import apply_field_errors
from changeauth.web.triage.forms import G0_HINTS, TriageForm

bp = Blueprint("triage", __name__, url_prefix="/triage")


def _require_design_authority() -> None:
    if not permissions.is_design_authority(current_user.as_actor()):
        abort(404)


@bp.route("/")
@login_required
def queue() -> ResponseReturnValue:
    _require_design_authority()
    return render_template(
        "triage/queue.html",
        page=triage.triage_queue(clock.today(), page=request.args.get("page", 1, type=int)),
        sla=current_app.config["TRIAGE_SLA_WORKING_DAYS"],
    )


@bp.route("/<int:improvement_id>", methods=["GET", "POST"])
@login_required
def decide(improvement_id: int) -> ResponseReturnValue:
    _require_design_authority()
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    facts = improvement.facts(improvement_queries.conflicted_user_ids(improvement.id))
    may_decide = permissions.can_triage(current_user.as_actor(), facts)
    form = TriageForm(version=improvement.version)
    form.owner_id.choices = [("", "Choose an owner")] + [
        (str(u.id), u.name) for u in users.list_active_users()
    ]
    if may_decide and form.validate_on_submit():
        target = improvement_queries.find_by_ref(form.duplicate_of.data) if form.duplicate_of.data else None
        if form.duplicate_of.data and target is None:
            form.duplicate_of.errors = ["There is no improvement with that reference to merge into."]
        else:
            try:
                transitions.decide_gate(
                    improvement,
                    actor=current_user,
                    gate=Gate.G0.value,
                    decision=form.decision.data or "",
                    rationale=form.rationale.data or "",
                    version=form.version.data,
                    owner_id=int(form.owner_id.data) if form.owner_id.data else None,
                    duplicate_of_id=target.id if target else None,
                    hold_until=form.hold_until.data,
                )
            except ValidationFailed as failure:
                apply_field_errors(form, failure)
            else:
                flash(f"Decision recorded for {improvement.ref}.", "success")
                return redirect(url_for("triage.queue"))
    return render_template(
        "triage/decide.html",
        improvement=improvement,
        form=form,
        may_decide=may_decide,
        hints=G0_HINTS,
        similar=similar.similar_to(improvement),
    ), 422 if form.errors else 200
