"""Design authority meetings: arranging, changing and cancelling them with calendar invitations, the
agenda and its pack, the minutes and the actions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from changeauth.domain.errors import ValidationFailed, VersionConflict
from changeauth.domain.gates import unmet_musts
from changeauth.domain.roles import Role
from changeauth.queries import business_cases as case_queries
from changeauth.queries import clock, users
from changeauth.queries import gates as gate_queries
from changeauth.queries import scoring as score_queries
from changeauth.reporting import datasets, exports
from changeauth.services import gates, meetings
from changeauth.services.meeting_invitations import InvitationSettings
from changeauth.web.access import role_required
from changeauth.web.downloads import send_download
from changeauth.web.forms import ActionDoneForm, apply_field_errors, version_read
from changeauth.web.meetings.forms import (
    AgendaAddForm,
    AgendaMoveForm,
    CancelMeetingForm,
    MeetingActionForm,
    MeetingForm,
    MinutesForm,
)

bp = Blueprint("meetings", __name__)


@bp.route("/meetings")
@role_required(Role.DESIGN_AUTHORITY)
def meeting_list() -> ResponseReturnValue:
    return render_template("meetings/meetings.html", meetings=gate_queries.list_meetings())


def invitation_settings() -> InvitationSettings:
    """Who sends meeting invitations, in which time zone, and where each meeting's agenda is."""
    return InvitationSettings(
        organiser_email=current_app.config["MAIL_FROM"],
        organiser_name=f"{current_app.config['SERVICE_NAME']}, {current_app.config['ORG_NAME']}",
        timezone=current_app.config["TIMEZONE"],
        agenda_url=lambda meeting_id: url_for("meetings.meeting", meeting_id=meeting_id, _external=True),
    )


def _meeting_details(form: MeetingForm) -> meetings.MeetingDetails:
    return meetings.MeetingDetails(
        title=form.title.data or "",
        meets_on=form.meets_on.data,
        starts_at=form.starts_at.data,
        duration_minutes=form.duration_minutes.data,
        location=form.location.data,
        member_ids=form.member_ids.data or [],
    )


@bp.route("/meetings/new", methods=["GET", "POST"])
@role_required(Role.DESIGN_AUTHORITY)
def meeting_new() -> ResponseReturnValue:
    form = MeetingForm()
    form.member_ids.choices = [(m.id, m.name) for m in users.list_design_authority_members()]
    if form.validate_on_submit():
        try:
            meeting = meetings.create_meeting(
                actor=current_user, details=_meeting_details(form), invitations=invitation_settings()
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash(
                "The meeting has been arranged. Its members have been sent a calendar invitation.", "success"
            )
            return redirect(url_for("meetings.meeting", meeting_id=meeting.id))
    return render_template("meetings/meeting_new.html", form=form), 422 if form.errors else 200


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@role_required(Role.DESIGN_AUTHORITY)
def meeting_edit(meeting_id: int) -> ResponseReturnValue:
    meeting_row = gate_queries.get_meeting(meeting_id)
    if meeting_row.cancelled_at is not None:
        flash("This meeting has been cancelled, so it cannot be changed.", "info")
        return redirect(url_for("meetings.meeting", meeting_id=meeting_id))
    if meetings.has_taken_place(meeting_row):
        flash(meetings.TAKEN_PLACE.format(verb="changed"), "info")
        return redirect(url_for("meetings.meeting", meeting_id=meeting_id))
    form = MeetingForm(obj=meeting_row if request.method == "GET" else None)
    form.member_ids.choices = [(m.id, m.name) for m in users.list_design_authority_members()]
    if request.method == "GET":
        form.member_ids.data = [m.id for m in meeting_row.members]
        form.sequence.data = meeting_row.sequence
    conflict = None
    if form.validate_on_submit():
        try:
            meetings.update_meeting(
                meeting_id,
                actor=current_user,
                details=_meeting_details(form),
                expected_sequence=form.sequence.data if form.sequence.data is not None else -1,
                invitations=invitation_settings(),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        except VersionConflict as exc:
            conflict = exc.message
        else:
            flash(
                "The meeting has been changed. Its members have been sent the updated invitation.", "success"
            )
            return redirect(url_for("meetings.meeting", meeting_id=meeting_id))
    status = 409 if conflict else 422 if form.errors else 200
    return render_template(
        "meetings/meeting_edit.html", form=form, meeting=meeting_row, conflict=conflict
    ), status


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
@role_required(Role.DESIGN_AUTHORITY)
def meeting_cancel(meeting_id: int) -> ResponseReturnValue:
    meeting_row = gate_queries.get_meeting(meeting_id)
    if meeting_row.cancelled_at is not None:
        flash("This meeting has already been cancelled.", "info")
        return redirect(url_for("meetings.meeting", meeting_id=meeting_id))
    if meetings.has_taken_place(meeting_row):
        flash(meetings.TAKEN_PLACE.format(verb="cancelled"), "info")
        return redirect(url_for("meetings.meeting", meeting_id=meeting_id))
    form = CancelMeetingForm()
    if request.method == "GET":
        form.sequence.data = meeting_row.sequence
    conflict = None
    if form.validate_on_submit():
        try:
            meetings.cancel_meeting(
                meeting_id,
                actor=current_user,
                reason=form.reason.data or "",
                expected_sequence=form.sequence.data or 0,
                invitations=invitation_settings(),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        except VersionConflict as exc:
            conflict = exc.message
        else:
            flash("The meeting has been cancelled. Its members have been sent the cancellation.", "success")
            return redirect(url_for("meetings.meeting", meeting_id=meeting_id))
    status = 409 if conflict else 422 if form.errors else 200
    return render_template(
        "meetings/meeting_cancel.html", form=form, meeting=meeting_row, conflict=conflict
    ), status


@bp.route("/meetings/<int:meeting_id>/invitation.ics")
@role_required(Role.DESIGN_AUTHORITY)
def meeting_invitation(meeting_id: int) -> ResponseReturnValue:
    """The meeting as an iCalendar file, to add to one's own calendar."""
    meeting_row = gate_queries.get_meeting(meeting_id)
    return Response(
        meetings.download_calendar(meeting_row, invitations=invitation_settings()),
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="design-authority-{meeting_row.meets_on}.ics"'
        },
    )


def _pack_items(agenda: list[Any]) -> list[dict[str, Any]]:
    """The agenda with each improvement's gate criteria, score and business case (set-based reads), and
    whether it is ready for a decision (every must criterion met)."""
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
            "ready": not unmet_musts(statuses[improvement.id][1]),
        }
        for improvement in agenda
    ]


@bp.route("/meetings/<int:meeting_id>")
@role_required(Role.DESIGN_AUTHORITY)
def meeting(meeting_id: int) -> ResponseReturnValue:
    return _meeting_page(meeting_id)


def _meeting_page(
    meeting_id: int,
    *,
    add_form: AgendaAddForm | None = None,
    minutes_form: MinutesForm | None = None,
    action_form: MeetingActionForm | None = None,
) -> ResponseReturnValue:
    """The meeting: its agenda in the members' order (ready and not ready apart), what may be added,
    the minutes, the actions and the decisions taken in it; forms as submitted when they came back."""
    meeting_row = gate_queries.get_meeting(meeting_id)
    agenda = gate_queries.agenda_improvements(meeting_id)
    on_agenda = {improvement.id for improvement in agenda}
    candidates = [i for i in gate_queries.gate_ready_improvements() if i.id not in on_agenda]
    add_form = add_form or AgendaAddForm()
    add_form.improvement_id.choices = [("", "Choose an improvement")] + [
        (str(i.id), f"{i.ref}: {i.title}") for i in candidates
    ]
    minutes_form = minutes_form or MinutesForm(minutes=meeting_row.minutes)
    action_form = action_form or MeetingActionForm()
    action_form.owner_id.choices = [("", "Choose a person")] + [
        (str(u.id), u.name) for u in users.list_active_users()
    ]
    taken_place = meetings.has_taken_place(meeting_row)
    # A past meeting shows its agenda as the record of what it decided, so today's criteria are not read.
    items = [{"improvement": improvement} for improvement in agenda] if taken_place else _pack_items(agenda)
    decisions = gate_queries.decisions_in_meeting(meeting_id)
    decided_at_meeting: dict[int, list[Any]] = {}
    for decision in decisions:
        decided_at_meeting.setdefault(decision.improvement_id, []).append(decision)
    failed = any(form.errors for form in (add_form, minutes_form, action_form))
    return render_template(
        "meetings/meeting.html",
        meeting=meeting_row,
        items=items,
        ready=[item for item in items if item.get("ready")],
        not_ready=[item for item in items if not item.get("ready")],
        positions={item["improvement"].id: n for n, item in enumerate(items, start=1)},
        agenda_size=len(items),
        candidates=candidates,
        add_form=add_form,
        move_form=AgendaMoveForm(),
        minutes_form=minutes_form,
        action_form=action_form,
        actions=gate_queries.actions_of(meeting_id),
        done_form=ActionDoneForm(),
        decisions=decisions,
        decided_at_meeting=decided_at_meeting,
        invited=gate_queries.invitations_sent(meeting_id),
        taken_place=taken_place,
    ), (422 if failed else 200)


@bp.route("/meetings/<int:meeting_id>/agenda", methods=["POST"])
@role_required(Role.DESIGN_AUTHORITY)
def agenda_add(meeting_id: int) -> ResponseReturnValue:
    form = AgendaAddForm()
    form.improvement_id.choices = [(request.form.get("improvement_id", ""), "")]
    if form.validate_on_submit() and (form.improvement_id.data or "").isdigit():
        try:
            meetings.add_to_agenda(
                meeting_id, actor=current_user, improvement_id=int(form.improvement_id.data or 0)
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("Added to the agenda.", "success")
            return redirect(url_for("meetings.meeting", meeting_id=meeting_id) + "#agenda")
    elif not form.errors:
        form.improvement_id.errors = ["Choose an improvement."]
    return _meeting_page(meeting_id, add_form=form)


@bp.route(
    "/meetings/<int:meeting_id>/agenda/<int:improvement_id>/<any('up', 'down', 'remove'):move>",
    methods=["POST"],
)
@role_required(Role.DESIGN_AUTHORITY)
def agenda_move(meeting_id: int, improvement_id: int, move: str) -> ResponseReturnValue:
    if not AgendaMoveForm().validate_on_submit():
        abort(400)
    if move == "remove":
        meetings.remove_from_agenda(meeting_id, actor=current_user, improvement_id=improvement_id)
        flash("Taken off the agenda.", "success")
    else:
        meetings.move_on_agenda(meeting_id, actor=current_user, improvement_id=improvement_id, direction=move)
    return redirect(url_for("meetings.meeting", meeting_id=meeting_id) + "#agenda")


@bp.route("/meetings/<int:meeting_id>/minutes", methods=["POST"])
@role_required(Role.DESIGN_AUTHORITY)
def meeting_minutes(meeting_id: int) -> ResponseReturnValue:
    form = MinutesForm()
    if form.validate_on_submit():
        try:
            meetings.record_minutes(meeting_id, actor=current_user, minutes=form.minutes.data or "")
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("The minutes are saved.", "success")
            return redirect(url_for("meetings.meeting", meeting_id=meeting_id) + "#meeting-minutes")
    return _meeting_page(meeting_id, minutes_form=form)


@bp.route("/meetings/<int:meeting_id>/actions", methods=["POST"])
@role_required(Role.DESIGN_AUTHORITY)
def meeting_action(meeting_id: int) -> ResponseReturnValue:
    form = MeetingActionForm()
    form.owner_id.choices = [(u_id, "") for u_id in [request.form.get("owner_id", "")]]
    if form.validate_on_submit():
        try:
            meetings.add_action(
                meeting_id,
                actor=current_user,
                text=form.text.data or "",
                owner_id=int(form.owner_id.data) if (form.owner_id.data or "").isdigit() else None,
                due_date=form.due_date.data,
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("The action is recorded and its owner told.", "success")
            return redirect(url_for("meetings.meeting", meeting_id=meeting_id) + "#actions")
    return _meeting_page(meeting_id, action_form=form)


@bp.route("/meeting-actions/<int:action_id>/done", methods=["POST"])
@login_required
def meeting_action_done(action_id: int) -> ResponseReturnValue:
    """An action marked done by its owner (from their actions) or a member (from the meeting's page); the
    service refuses anyone else (403)."""
    form = ActionDoneForm()
    if not form.validate_on_submit():
        abort(400)
    action = meetings.complete_action(
        action_id, actor=current_user, expected_version=version_read(form.version.data)
    )
    flash("The action is marked as done.", "success")
    if request.form.get("from") == "meeting" and current_user.has_role(Role.DESIGN_AUTHORITY):
        return redirect(url_for("meetings.meeting", meeting_id=action.meeting_id) + "#actions")
    return redirect(url_for("actions.mine") + "#meeting-actions")


@bp.route("/meetings/<int:meeting_id>/pack.xlsx")
@role_required(Role.DESIGN_AUTHORITY)
def meeting_pack(meeting_id: int) -> ResponseReturnValue:
    meeting_row = gate_queries.get_meeting(meeting_id)
    # The curated agenda; before anyone curates it, every improvement waiting at a gate.
    items = _pack_items(
        gate_queries.agenda_improvements(meeting_id) or gate_queries.gate_ready_improvements()
    )
    return send_download(
        exports.export(
            "xlsx",
            "meeting-pack",
            datasets.MEETING_PACK_COLUMNS,
            datasets.meeting_pack_rows(items),
            on=meeting_row.meets_on,
            title=f"{meeting_row.title}, {meeting_row.meets_on:%d %B %Y}",
        )
    )
