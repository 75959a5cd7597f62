"""Gate pages: decide G1–G3 with criteria and conditions, tick manual criteria, close conditions, start
and resume work, and the administration of gate criteria."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms import SelectChoice

from changeauth.domain import permissions
from changeauth.domain.errors import GateCriteriaUnmet, PermissionDenied, ValidationFailed
from changeauth.domain.gates import MANUAL, RULES, check_label
from changeauth.domain.lifecycle import DECISION_LABELS, Decision, Gate, decisions_at, gate_title
from changeauth.domain.roles import Role
from changeauth.queries import attachments as attachment_queries
from changeauth.queries import attribution as attribution_queries
from changeauth.queries import business_cases as case_queries
from changeauth.queries import clock, users
from changeauth.queries import dependencies as dependency_queries
from changeauth.queries import gates as gate_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.queries import scoring as score_queries
from changeauth.services import gates, transitions
from changeauth.web import pages
from changeauth.web.access import role_required
from changeauth.web.forms import AttachmentForm, ConfirmForm, apply_field_errors
from changeauth.web.gates.forms import CloseConditionForm, CriterionForm, GateDecisionForm, TickForm

bp = Blueprint("gates", __name__)


@pages.shows_the_gate_page
def render_gate(improvement_id: int, *, attachment_form: AttachmentForm) -> ResponseReturnValue:
    """The gate page with an evidence form that came back with errors (the attachments' own page)."""
    context = _gate_context(improvement_id)
    context["attachment_form"] = attachment_form
    return render_template("gates/gate.html", **context), 422


def _waits_because(actor: permissions.Actor, facts: permissions.ImprovementFacts) -> str | None:
    if not permissions.is_design_authority(actor) or permissions.is_independent(actor, facts):
        return None
    interest = permissions.interest_in(actor.id, facts)
    return permissions.INTEREST_WORDS[interest] if interest else None


def _gate_context(improvement_id: int, form: GateDecisionForm | None = None) -> dict[str, Any]:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    gate, statuses = gates.gate_status(improvement, today=clock.today())
    facts = improvement_queries.access_to(improvement, current_user).improvement
    actor = current_user.as_actor()
    may_decide = gate is not None and gate is not Gate.G0 and permissions.can_decide_gate(actor, facts)
    if form is None:
        form = GateDecisionForm(version=improvement.version)
    if gate is not None and gate is not Gate.G0:
        form.decision.choices = [SelectChoice(d.value, DECISION_LABELS[d]) for d in decisions_at(gate)]
    # Offer everyone whose interest is public (owner, sponsor, declared conflicts) as ineligible, but
    # never leave out an anonymous submitter the viewer may not know: the list would name them.
    known = facts if permissions.can_see_submitter(actor, facts) else replace(facts, submitter_id=None)
    members = [
        m
        for m in users.list_design_authority_members()
        if m.id != current_user.id and permissions.can_attend_gate(m.id, m.roles, known)
    ]
    form.attendee_ids.choices = [(m.id, m.name) for m in members]
    # A decision is taken at a meeting still to be held (today's or later); past ones are a record.
    meetings_open = [
        m for m in gate_queries.list_meetings() if m.cancelled_at is None and m.meets_on >= clock.today()
    ]
    form.meeting_id.choices = [("", "Not in a meeting")] + [
        (str(m.id), f"{m.title} ({m.meets_on:%d %B %Y})") for m in meetings_open
    ]
    eligible = {m.id for m in members}
    owners = [("", "Choose an owner")] + [(str(u.id), u.name) for u in users.list_possible_owners()]
    for row in form.conditions:
        row.form.owner_id.choices = owners
    conditions = gate_queries.conditions_of(improvement.id)
    shared_measures = attribution_queries.shared_for_improvement(improvement.id)
    independent = permissions.is_independent(actor, facts)
    return {
        "improvement": improvement,
        "gate": gate,
        "shared_measures": shared_measures,
        # Choosing a meeting ticks its members who may attend (the page's script; the server does the
        # same when no one is ticked).
        "meeting_members": {
            str(m.id): [member.id for member in m.members if member.id in eligible] for m in meetings_open
        },
        "business_case": case_queries.summaries_for_improvements([improvement.id]).get(improvement.id),
        "score": score_queries.improvement_scores([improvement.id]).get(improvement.id),
        "gate_title": gate_title(gate) if gate else None,
        "statuses": statuses,
        "may_decide": may_decide,
        # A design authority member who is not independent is told why (separation of duties).
        "waits_because": _waits_because(actor, facts),
        "may_tick": permissions.can_decide_gate(actor, facts),
        "form": form,
        "tick_form": TickForm(),
        "conditions": conditions,
        # Condition fields only where a conditional go exists (not at G3, the benefits review).
        "offers_conditions": gate is not None and Decision.GO_WITH_CONDITIONS in decisions_at(gate),
        "closable": {
            c.id for c in conditions if c.is_open and (c.owner_id == current_user.id or independent)
        },
        "attachments": attachment_queries.attachments_of(improvement.id),
        "attachment_form": AttachmentForm(),
        "can_attach": permissions.can_comment(actor, facts),
        "confirm_form": ConfirmForm(version=improvement.version),
        "can_start_delivery": permissions.can_start_delivery(actor, facts),
        # Shown at every gate; the go-live gate's criterion blocks on them, starting delivery only warns.
        "dependencies": dependency_queries.dependencies_of(improvement, current_user),
        "can_record_dependency": permissions.can_record_dependency(actor, facts),
        "can_remove_dependency": permissions.can_remove_dependency(actor, facts),
        "can_resume": permissions.can_resume(actor, facts),
        "quorum": current_app.config["GATE_QUORUM"],
    }


@bp.route("/improvements/<int:improvement_id>/gate", methods=["GET", "POST"])
@login_required
def gate(improvement_id: int) -> ResponseReturnValue:
    context = _gate_context(improvement_id, GateDecisionForm() if request.method == "POST" else None)
    form: GateDecisionForm = context["form"]
    if request.method == "POST":
        if not context["may_decide"]:
            abort(403)
        if form.validate_on_submit():
            try:
                transitions.decide_gate(
                    context["improvement"],
                    form.decision_request(context["gate"], meeting_members=context["meeting_members"]),
                    actor=current_user,
                    rules=transitions.GateRules(quorum=current_app.config["GATE_QUORUM"]),
                    today=clock.today(),
                )
            except ValidationFailed as failure:
                apply_field_errors(form, failure)
            except GateCriteriaUnmet as unmet:
                form.form_errors.append(
                    f"{unmet.message} Meet them, or choose to send it back, put it on hold or stop it."
                )
            else:
                flash("The decision is recorded.", "success")
                return redirect(url_for("improvements.detail", improvement_id=improvement_id))
        return render_template("gates/gate.html", **context), 422
    return render_template("gates/gate.html", **context)


@bp.route("/improvements/<int:improvement_id>/gate/ticks/<code>", methods=["POST"])
@login_required
def tick(improvement_id: int, code: str) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    form = TickForm()
    if not form.validate_on_submit():
        flash("Say what shows the criterion is met before ticking it.", "error")
        return redirect(url_for("gates.gate", improvement_id=improvement_id))
    gates.tick_criterion(
        improvement,
        actor=current_user,
        code=code,
        is_met=bool(form.is_met.data),
        evidence=form.evidence.data or "",
    )
    flash("The criterion is updated.", "success")
    return redirect(url_for("gates.gate", improvement_id=improvement_id))


@bp.route("/improvements/<int:improvement_id>/<any('start_delivery', 'resume'):action>", methods=["POST"])
@login_required
def act(improvement_id: int, action: str) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    transitions.apply_action(improvement, actor=current_user, action=action, version=form.version.data)
    flash(
        "Delivery has started." if action == "start_delivery" else "The improvement has resumed.", "success"
    )
    return redirect(url_for("improvements.detail", improvement_id=improvement_id))


def _closing_choices(condition: Any) -> list[SelectChoice]:
    """How this person may close the condition: met (its owner, or an independent design authority
    member) and waived (an independent member only); the service checks the same rules again."""
    improvement = improvement_queries.get_improvement(condition.improvement_id, current_user)
    independent = permissions.is_independent(
        current_user.as_actor(), improvement_queries.access_to(improvement, current_user).improvement
    )
    choices = []
    if current_user.id == condition.owner_id or independent:
        choices.append(SelectChoice("met", "Met"))
    if independent:
        choices.append(SelectChoice("waived", "Waived"))
    return choices


@bp.route("/conditions/<int:condition_id>/close", methods=["GET", "POST"])
@login_required
def close_condition(condition_id: int) -> ResponseReturnValue:
    condition = gate_queries.get_condition(condition_id, current_user)
    choices = _closing_choices(condition) if condition.is_open else []
    form = CloseConditionForm()
    form.status.choices = choices
    form.note.description = (
        "Say how it was met, or why it is waived." if len(choices) > 1 else "Say how it was met."
    )
    if request.method == "POST" and not choices:
        abort(403)
    if form.validate_on_submit():
        try:
            gates.close_condition(
                condition, actor=current_user, status=form.status.data or "", note=form.note.data or ""
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        except PermissionDenied as refusal:
            # Someone's roles changed since the page was drawn: say so on the form, keeping the note.
            form.status.errors = [*form.status.errors, refusal.message]
        else:
            flash("The condition is closed.", "success")
            return redirect(url_for("gates.gate", improvement_id=condition.improvement_id))
    return render_template(
        "gates/close_condition.html", condition=condition, form=form, may_close=bool(choices)
    ), 422 if form.errors else 200


@bp.route("/admin/gate-criteria")
@role_required(Role.ADMIN)
def criteria_admin() -> ResponseReturnValue:
    return render_template("gates/criteria.html", criteria=gate_queries.list_criteria())


@bp.route("/admin/gate-criteria/<int:criterion_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def criterion_edit(criterion_id: int) -> ResponseReturnValue:
    criterion = gate_queries.get_criterion(criterion_id)
    form = CriterionForm(obj=criterion) if request.method == "GET" else CriterionForm()
    form.check.choices = [(MANUAL, check_label(MANUAL))] + [
        (name, check_label(name)) for name in sorted(RULES)
    ]
    if form.validate_on_submit():
        try:
            gates.update_gate_criterion(
                criterion,
                actor=current_user,
                text=form.text.data or "",
                kind=form.kind.data or "",
                check=form.check.data or "",
                is_active=bool(form.is_active.data),
                expected_version=form.version.data,
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("The criterion is saved.", "success")
            return redirect(url_for("gates.criteria_admin"))
    return render_template(
        "gates/criterion_edit.html", criterion=criterion, form=form
    ), 422 if form.errors else 200
