"""Gate pages: decide G1–G3 with criteria and conditions, tick manual criteria, close conditions,
start and resume work, the decision register and its exports, DA meetings and packs, criteria admin,
and evidence attachments."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms import SelectChoice

from changeauth.domain import permissions
from changeauth.domain.errors import DomainError, GateCriteriaUnmet, ValidationFailed
from changeauth.domain.gates import MANUAL, RULES
from changeauth.domain.lifecycle import DECISION_LABELS, GATE_NAMES, Decision, Gate, decisions_at
from changeauth.queries import attachments as attachment_queries
from changeauth.queries import business_cases as case_queries
from changeauth.queries import clock, users
from changeauth.queries import gates as gate_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.queries import scoring as score_queries
from changeauth.reporting.exports import csv_stream, xlsx_bytes
from changeauth.services import attachments, gates, meetings, transitions
from changeauth.web.forms import apply_field_errors
from changeauth.web.gates.forms import (
    AttachmentForm,
    CloseConditionForm,
    CriterionForm,
    GateDecisionForm,
    MeetingForm,
    RegisterFilterForm,
    TickForm,
)
from changeauth.web.improvements.forms import ConfirmForm

bp = Blueprint("gates", __name__)

REGISTER_COLUMNS = [
    ("decided_on", "Date"),
    ("reference", "Reference"),
    ("title", "Improvement"),
    ("gate", "Gate"),
    ("decision", "Decision"),
    ("from_stage", "From stage"),
    ("to_stage", "To stage"),
    ("reasons", "Reasons"),
    ("decided_by", "Recorded by"),
    ("attendees", "Attendees"),
]


def _require_da() -> None:
    if not permissions.is_design_authority(current_user.as_actor()):
        abort(404)


def _gate_context(improvement_id: int, form: GateDecisionForm | None = None) -> dict[str, Any]:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    gate, statuses = gates.gate_status(improvement, today=clock.today())
    facts = improvement.facts(improvement_queries.conflicted_user_ids(improvement.id))
    actor = current_user.as_actor()
    may_decide = gate is not None and gate is not Gate.G0 and permissions.can_decide_gate(actor, facts)
    if form is None:
        form = GateDecisionForm(version=improvement.version)
    if gate is not None and gate is not Gate.G0:
        form.decision.choices = [SelectChoice(d.value, DECISION_LABELS[d]) for d in decisions_at(gate)]
    members = [
        m
        for m in users.list_design_authority_members()
        if m.id != current_user.id and permissions.can_attend_gate(m.id, m.roles, facts)
    ]
    form.attendee_ids.choices = [(m.id, m.name) for m in members]
    form.meeting_id.choices = [("", "Not in a meeting")] + [
        (str(m.id), f"{m.title} ({m.meets_on:%d %B %Y})") for m in gate_queries.list_meetings()
    ]
    owners = [("", "Choose an owner")] + [(str(u.id), u.name) for u in users.list_active_users()]
    for row in form.conditions:
        row.form.owner_id.choices = owners
    return {
        "improvement": improvement,
        "gate": gate,
        "gate_name": GATE_NAMES.get(gate) if gate else None,
        "statuses": statuses,
        "may_decide": may_decide,
        "may_tick": permissions.can_decide_gate(actor, facts),
        "form": form,
        "tick_form": TickForm(),
        "conditions": gate_queries.conditions_of(improvement.id),
        "attachments": attachment_queries.attachments_of(improvement.id),
        "attachment_form": AttachmentForm(),
        "can_attach": permissions.can_comment(actor, facts),
        "confirm_form": ConfirmForm(version=improvement.version),
        "can_start_delivery": permissions.can_start_delivery(actor, facts),
        "can_resume": permissions.can_resume(actor, facts),
        "quorum": current_app.config["GATE_QUORUM"],
    }


def _conditions_from(form: GateDecisionForm) -> list[transitions.ConditionInput]:
    """Filled-in condition rows; a missing owner or date is left for the service to name."""
    return [
        transitions.ConditionInput(
            text=row.text.data or "",
            owner_id=int(row.owner_id.data) if (row.owner_id.data or "").isdigit() else 0,
            due_date=row.due_date.data or date.min,
        )
        for row in form.conditions
        if (row.text.data or "").strip()
    ]


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
                    actor=current_user,
                    gate=context["gate"].value,
                    decision=form.decision.data or "",
                    rationale=form.rationale.data or "",
                    version=form.version.data,
                    attendee_ids=form.attendee_ids.data or [],
                    hold_until=form.hold_until.data,
                    meeting_id=int(form.meeting_id.data) if form.meeting_id.data else None,
                    conditions=_conditions_from(form),
                    rules=transitions.GateRules(quorum=current_app.config["GATE_QUORUM"]),
                    today=clock.today(),
                )
            except ValidationFailed as failure:
                apply_field_errors(form, failure)
            except GateCriteriaUnmet as unmet:
                form.form_errors.append(f"{unmet.message} Meet them, or choose recycle, hold or stop.")
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


@bp.route("/conditions/<int:condition_id>/close", methods=["GET", "POST"])
@login_required
def close_condition(condition_id: int) -> ResponseReturnValue:
    condition = gate_queries.get_condition(condition_id, current_user)
    form = CloseConditionForm()
    if form.validate_on_submit():
        try:
            gates.close_condition(
                condition, actor=current_user, status=form.status.data or "", note=form.note.data or ""
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("The condition is closed.", "success")
            return redirect(url_for("gates.gate", improvement_id=condition.improvement_id))
    return render_template(
        "gates/close_condition.html", condition=condition, form=form
    ), 422 if form.errors else 200


def _register_filters() -> tuple[RegisterFilterForm, gate_queries.RegisterFilters]:
    form = RegisterFilterForm(request.args)
    form.gate.choices = [("", "Any gate")] + [(g.value, f"{g.value} {GATE_NAMES[g]}") for g in Gate]
    form.decision.choices = [("", "Any decision")] + [(d.value, DECISION_LABELS[d]) for d in Decision]
    if not form.validate():
        return form, gate_queries.RegisterFilters()
    return form, gate_queries.RegisterFilters(
        gate=form.gate.data or None,
        decision=form.decision.data or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        q=form.q.data or None,
    )


@bp.route("/decisions")
@login_required
def register() -> ResponseReturnValue:
    form, filters = _register_filters()
    page = gate_queries.decision_register(filters, page=request.args.get("page", 1, type=int))
    # The download links carry the filters on screen, never the page number or a stray format.
    export_args = {key: value for key, value in request.args.items() if key not in ("page", "fmt")}
    return render_template("gates/register.html", form=form, page=page, export_args=export_args)


@bp.route("/decisions/export.<any('csv', 'xlsx'):fmt>")
@login_required
def export_register(fmt: str) -> ResponseReturnValue:
    _form, filters = _register_filters()
    rows = gate_queries.register_rows(filters)
    stamp = clock.today().isoformat()
    if fmt == "csv":
        return Response(
            csv_stream(REGISTER_COLUMNS, rows),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="decision-register-{stamp}.csv"'},
        )
    data = xlsx_bytes(REGISTER_COLUMNS, rows, sheet="Decision register")
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="decision-register-{stamp}.xlsx"'},
    )


@bp.route("/meetings")
@login_required
def meeting_list() -> ResponseReturnValue:
    _require_da()
    return render_template("gates/meetings.html", meetings=gate_queries.list_meetings())


@bp.route("/meetings/new", methods=["GET", "POST"])
@login_required
def meeting_new() -> ResponseReturnValue:
    _require_da()
    form = MeetingForm()
    form.member_ids.choices = [(m.id, m.name) for m in users.list_design_authority_members()]
    if form.validate_on_submit():
        try:
            meeting = meetings.create_meeting(
                actor=current_user,
                title=form.title.data or "",
                meets_on=form.meets_on.data,
                member_ids=form.member_ids.data or [],
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            return redirect(url_for("gates.meeting", meeting_id=meeting.id))
    return render_template("gates/meeting_new.html", form=form), 422 if form.errors else 200


def _pack_items() -> list[dict[str, Any]]:
    """The agenda with each improvement's gate criteria, score and business case (set-based reads)."""
    agenda = gate_queries.gate_ready_improvements()
    ids = [improvement.id for improvement in agenda]
    statuses = gates.gate_statuses(agenda, today=clock.today())
    scores = score_queries.improvement_scores(ids)
    cases = case_queries.summaries_for_improvements(ids)
    return [
        {
            "improvement": improvement,
            "gate": statuses[improvement.id][0],
            "statuses": statuses[improvement.id][1],
            "score": scores.get(improvement.id),
            "case": cases.get(improvement.id),
        }
        for improvement in agenda
    ]


@bp.route("/meetings/<int:meeting_id>")
@login_required
def meeting(meeting_id: int) -> ResponseReturnValue:
    _require_da()
    return render_template(
        "gates/meeting.html",
        meeting=gate_queries.get_meeting(meeting_id),
        items=_pack_items(),
        decisions=gate_queries.decisions_in_meeting(meeting_id),
    )


PACK_COLUMNS = [
    ("reference", "Reference"),
    ("title", "Improvement"),
    ("gate", "Gate"),
    ("owner", "Owner"),
    ("summary", "Problem"),
    ("score_status", "Score status"),
    ("weighted_score", "Weighted score"),
    ("musts_met", "Must criteria met"),
    ("unmet", "Unmet criteria"),
    ("case_status", "Business case"),
    ("npv_pence", "NPV (pence)"),
    ("bcr", "BCR"),
    ("payback_years", "Payback (years)"),
]


@bp.route("/meetings/<int:meeting_id>/pack.xlsx")
@login_required
def meeting_pack(meeting_id: int) -> ResponseReturnValue:
    _require_da()
    meeting_row = gate_queries.get_meeting(meeting_id)
    rows = []
    for item in _pack_items():
        improvement, statuses, score, case = (
            item["improvement"],
            item["statuses"],
            item["score"],
            item["case"],
        )
        unmet = [s.code for s in statuses if s.kind.value == "must" and not s.met]
        rows.append(
            {
                "reference": improvement.ref,
                "title": improvement.title,
                "gate": item["gate"].value if item["gate"] else "",
                "owner": improvement.owner.name if improvement.owner else "",
                "summary": improvement.problem,
                "score_status": score.status if score else "unscored",
                "weighted_score": score.weighted_score if score else None,
                "musts_met": "yes" if not unmet else "no",
                "unmet": ", ".join(unmet),
                "case_status": case.status if case else "none",
                "npv_pence": case.preferred.npv_pence if case and case.preferred else None,
                "bcr": case.preferred.bcr if case and case.preferred else None,
                "payback_years": case.preferred.payback_years if case and case.preferred else None,
            }
        )
    data = xlsx_bytes(
        PACK_COLUMNS,
        rows,
        sheet="Meeting pack",
        title=f"{meeting_row.title}, {meeting_row.meets_on:%d %B %Y}",
    )
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="meeting-pack-{meeting_row.meets_on}.xlsx"'},
    )


@bp.route("/admin/gate-criteria")
@login_required
def criteria_admin() -> ResponseReturnValue:
    if not permissions.is_admin(current_user.as_actor()):
        abort(404)
    return render_template("gates/criteria.html", criteria=gate_queries.list_criteria())


@bp.route("/admin/gate-criteria/<int:criterion_id>", methods=["GET", "POST"])
@login_required
def criterion_edit(criterion_id: int) -> ResponseReturnValue:
    if not permissions.is_admin(current_user.as_actor()):
        abort(404)
    criterion = gate_queries.get_criterion(criterion_id)
    form = CriterionForm(obj=criterion) if request.method == "GET" else CriterionForm()
    form.check.choices = [(MANUAL, "A manual tick with evidence")] + [
        (name, f"Automatic: {name}") for name in sorted(RULES)
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
                version=form.version.data,
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("The criterion is saved.", "success")
            return redirect(url_for("gates.criteria_admin"))
    return render_template(
        "gates/criterion_edit.html", criterion=criterion, form=form
    ), 422 if form.errors else 200


@bp.route("/improvements/<int:improvement_id>/attachments", methods=["POST"])
@login_required
def attach(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            attachments.add_attachment(
                improvement,
                actor=current_user,
                title=form.title.data or "",
                filename=upload.filename or "",
                content=upload.read(),
                storage_dir=attachment_queries.storage_dir(),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("gates.gate", improvement_id=improvement_id))
        else:
            flash("The evidence is attached.", "success")
            return redirect(url_for("gates.gate", improvement_id=improvement_id))
    context = _gate_context(improvement_id)
    context["attachment_form"] = form
    return render_template("gates/gate.html", **context), 422


@bp.route("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int) -> ResponseReturnValue:
    attachment, path = attachment_queries.get_attachment(attachment_id, current_user)
    return send_file(
        path, mimetype=attachment.media_type, as_attachment=True, download_name=attachment.original_name
    )
