"""The triage queue and the G0 decision page."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import SelectChoice

from changeauth.domain import permissions
from changeauth.domain.errors import ValidationFailed
from changeauth.domain.gate_decisions import DecisionRequest
from changeauth.domain.lifecycle import Decision, Gate
from changeauth.domain.roles import Role
from changeauth.models import Improvement
from changeauth.queries import clock, similar, triage, users
from changeauth.queries import improvements as improvement_queries
from changeauth.services import transitions
from changeauth.web.access import role_required
from changeauth.web.forms import apply_field_errors
from changeauth.web.triage.forms import G0_HINTS, TriageForm

bp = Blueprint("triage", __name__, url_prefix="/triage")


@bp.route("/")
@role_required(Role.DESIGN_AUTHORITY)
def queue() -> ResponseReturnValue:
    queue_page = triage.triage_queue(clock.today(), page=request.args.get("page", 1, type=int))
    ideas = [item.improvement for item in queue_page.items]
    facts = improvement_queries.facts_for_member(ideas, current_user)
    actor = current_user.as_actor()
    # Separation of duties: an idea the member has an interest in waits for another member, with why.
    waits = {
        idea.id: permissions.INTEREST_WORDS[interest]
        for idea in ideas
        if (interest := permissions.interest_in(actor.id, facts[idea.id])) is not None
    }
    return render_template(
        "triage/queue.html", page=queue_page, waits=waits, sla=current_app.config["TRIAGE_SLA_WORKING_DAYS"]
    )


def _chosen_merge_target(form: TriageForm) -> tuple[str | None, bool]:
    """The reference to merge into: one typed wins over one chosen from the similar work. The flag says
    whether it was typed (so an unknown one is reported on that field)."""
    typed = (form.duplicate_of.data or "").strip()
    if typed:
        return typed, True
    return (form.merge_target.data or None), False


@bp.route("/<int:improvement_id>", methods=["GET", "POST"])
@role_required(Role.DESIGN_AUTHORITY)
def decide(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    facts = improvement_queries.access_to(improvement, current_user).improvement
    actor = current_user.as_actor()
    may_decide = permissions.can_triage(actor, facts)
    form = TriageForm(version=improvement.version)
    owners = [("", "Choose an owner")] + [(str(u.id), u.name) for u in users.list_possible_owners()]
    form.owner_id.choices = owners
    form.quick_win_owner_id.choices = owners
    similar_work = similar.similar_to(improvement)
    form.merge_target.choices = [SelectChoice(item.ref, f"{item.ref}: {item.title}") for item in similar_work]
    if may_decide and form.validate_on_submit():
        decision = form.decision.data or ""
        # Only the chosen decision's own answers count: the others may be filled in and hidden.
        ref, typed = _chosen_merge_target(form) if decision == Decision.MERGE.value else (None, False)
        target = improvement_queries.find_by_ref(ref) if ref else None
        owner = {
            Decision.GO.value: form.owner_id.data,
            Decision.QUICK_WIN.value: form.quick_win_owner_id.data,
        }.get(decision)
        if ref and target is None:
            field = form.duplicate_of if typed else form.merge_target
            field.errors = ["There is no improvement with that reference to merge into."]
        else:
            try:
                asked = DecisionRequest(
                    gate=Gate.G0.value,
                    decision=decision,
                    rationale=form.rationale.data or "",
                    version=form.version.data,
                    owner_id=int(owner) if owner else None,
                    duplicate_of_id=target.id if target else None,
                    hold_until=form.hold_until.data if decision == Decision.HOLD.value else None,
                )
                transitions.decide_gate(improvement, asked, actor=current_user)
            except ValidationFailed as failure:
                if decision == Decision.QUICK_WIN.value and "owner_id" in failure.fields:
                    failure.fields["quick_win_owner_id"] = failure.fields.pop("owner_id")
                if "duplicate_of" in failure.fields and not typed and form.merge_target.choices:
                    failure.fields["merge_target"] = failure.fields.pop("duplicate_of")
                apply_field_errors(form, failure)
            else:
                return _after_deciding(improvement)
    return render_template(
        "triage/decide.html",
        improvement=improvement,
        form=form,
        may_decide=may_decide,
        hints=G0_HINTS,
        similar=similar_work,
        show_submitter=permissions.can_see_submitter(actor, facts),
    ), 422 if form.errors else 200


def _after_deciding(decided: Improvement) -> ResponseReturnValue:
    """On to the next idea this member may decide, or back to the queue when there is none."""

    def may_decide(idea: Improvement) -> bool:
        return permissions.can_triage(*improvement_queries.access_to(idea, current_user))

    following = triage.next_waiting(decided, may_decide=may_decide)
    if following is None:
        flash(f"Decision recorded for {decided.ref}. No other idea is waiting for you to triage.", "success")
        return redirect(url_for("triage.queue"))
    flash(f"Decision recorded for {decided.ref}. Here is the next idea waiting for triage.", "success")
    return redirect(url_for("triage.decide", improvement_id=following.id))
