"""People, for administrators: create accounts with a set-password link (AUTH-06), send a new link, end a
person's sessions or reset their second factor (SESS-06, SESS-07), switch an account off, and export
everything held about a person for a subject access request (docs/personal-data.md)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import SelectChoice

from changeauth.domain.errors import AlreadyExists, NotFound, ValidationFailed
from changeauth.domain.roles import Role
from changeauth.models import User
from changeauth.queries import reference
from changeauth.queries import users as user_queries
from changeauth.security_log import security_event
from changeauth.services import credentials, leavers, personal_data, second_factor
from changeauth.services import users as user_service
from changeauth.services.credentials import IssuedLink
from changeauth.web.access import role_required
from changeauth.web.admin.forms import NewUserForm, PersonForm
from changeauth.web.forms import apply_field_errors
from changeauth.web.mail import link_email_body, send_after_commit
from changeauth.web.pages import action_words

bp = Blueprint("admin", __name__, url_prefix="/admin/users")


def _user_or_404(user_id: int) -> User:
    user = user_queries.find_user(user_id)
    if user is None:
        abort(404)
    return user


def _show_link(link: IssuedLink, *, created: bool) -> ResponseReturnValue:
    """The link is shown once, to the administrator, and emailed to the person when mail is configured."""
    emailed = send_after_commit(
        to=link.user.email,
        subject=f"Your {current_app.config['SERVICE_NAME']} account"
        if created
        else f"Choose your {current_app.config['SERVICE_NAME']} password",
        body=link_email_body(link.token, link.purpose),
    )
    return render_template(
        "admin/link.html",
        person=link.user,
        url=url_for("auth.password_link", token=link.token, _external=True),
        expires_at=link.expires_at,
        emailed=emailed,
        created=created,
    )


@bp.route("")
@role_required(Role.ADMIN)
def users() -> ResponseReturnValue:
    return render_template("admin/users.html", people=user_queries.list_users_for_admin())


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_user() -> ResponseReturnValue:
    form = NewUserForm()
    form.team.choices = [SelectChoice("", "No team")] + [
        SelectChoice(team.code, team.name) for team in reference.list_teams()
    ]
    if form.validate_on_submit():
        try:
            link = credentials.create_account_with_link(
                email=form.email.data or "",
                name=form.name.data or "",
                roles=list(form.roles.data or []),
                team_code=form.team.data or None,
                actor_id=current_user.id,
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        except AlreadyExists as exists:
            form.email.errors = [*form.email.errors, exists.message]
        else:
            security_event(
                "user_created", outcome="success", user_id=current_user.id, subject_user_id=link.user.id
            )
            return _show_link(link, created=True)
    return render_template("admin/new_user.html", form=form), 422 if form.errors else 200


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_user(user_id: int) -> ResponseReturnValue:
    """Change a person's name, roles or team."""
    person = _user_or_404(user_id)
    team_code = person_team_code(person)
    form = PersonForm(data={"name": person.name, "roles": sorted(person.roles), "team": team_code or ""})
    form.team.choices = [SelectChoice("", "No team")] + [
        SelectChoice(team.code, team.name) for team in reference.list_teams()
    ]
    if form.validate_on_submit():
        try:
            user_service.update_person(
                person,
                name=form.name.data or "",
                roles=list(form.roles.data or []),
                team_code=form.team.data or None,
                actor_id=current_user.id,
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash(f"{person.name}'s details are saved.", "success")
            return redirect(url_for("admin.user", user_id=person.id))
    return render_template("admin/edit_user.html", form=form, person=person), 422 if form.errors else 200


def person_team_code(person: User) -> str | None:
    teams = {team.id: team.code for team in reference.list_teams()}
    return teams.get(person.team_id) if person.team_id is not None else None


@bp.route("/<int:user_id>")
@role_required(Role.ADMIN)
def user(user_id: int) -> ResponseReturnValue:
    person = _user_or_404(user_id)
    return render_template(
        "admin/user.html",
        person=person,
        anonymise_after_days=current_app.config["LEAVER_ANONYMISE_AFTER_DAYS"],
        second_factor_required=second_factor.is_required(
            person, required_for_all=current_app.config["REQUIRE_2FA_FOR_ALL"]
        ),
        codes_left=user_queries.recovery_codes_left(person.id),
        team_name=next((team.name for team in reference.list_teams() if team.id == person.team_id), None),
    )


@bp.route("/<int:user_id>/password-link", methods=["POST"])
@role_required(Role.ADMIN)
def password_link(user_id: int) -> ResponseReturnValue:
    person = _user_or_404(user_id)
    link = credentials.issue_link(person, purpose="set", actor_id=current_user.id)
    security_event(
        "authn_password_link_issued", outcome="success", user_id=current_user.id, subject_user_id=person.id
    )
    return _show_link(link, created=False)


@bp.route("/<int:user_id>/end-sessions", methods=["POST"])
@role_required(Role.ADMIN)
def end_sessions(user_id: int) -> ResponseReturnValue:
    person = _user_or_404(user_id)
    user_service.end_sessions(person, actor_id=current_user.id, reason="ended by an administrator")
    security_event(
        "session_revoked_all", outcome="success", user_id=current_user.id, subject_user_id=person.id
    )
    flash(f"{person.name} has been signed out everywhere.", "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/<int:user_id>/reset-second-factor", methods=["POST"])
@role_required(Role.ADMIN)
def reset_second_factor(user_id: int) -> ResponseReturnValue:
    person = _user_or_404(user_id)
    second_factor.disable(
        person,
        actor_id=current_user.id,
        required_for_all=current_app.config["REQUIRE_2FA_FOR_ALL"],
        by_admin=True,
    )
    security_event(
        "authn_mfa_disabled", outcome="success", user_id=current_user.id, subject_user_id=person.id
    )
    flash(
        f"{person.name}'s second factor was removed; they set up a new one when they next sign in.", "success"
    )
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@role_required(Role.ADMIN)
def deactivate(user_id: int) -> ResponseReturnValue:
    person = _user_or_404(user_id)
    if person.id == current_user.id:
        flash("You cannot switch off your own account.", "error")
        return redirect(url_for("admin.user", user_id=person.id))
    user_service.deactivate_user(person, actor_id=current_user.id)
    security_event("user_archived", outcome="success", user_id=current_user.id, subject_user_id=person.id)
    flash(f"{person.name}'s account has been switched off.", "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/<int:user_id>/personal-data", methods=["POST"])
@role_required(Role.ADMIN)
def export_personal_data(user_id: int) -> ResponseReturnValue:
    """A subject access export: the readable page, or the JSON file with ``?form=file``. A POST, because
    every export is recorded in the audit log."""
    wants_file = request.args.get("form") == "file"
    form = personal_data.ExportForm.FILE if wants_file else personal_data.ExportForm.PAGE
    try:
        data = personal_data.export_person(user_id, actor_id=current_user.id, form=form)
    except NotFound:
        abort(404)
    security_event(
        "privacy_data_exported", outcome="success", user_id=current_user.id, subject_user_id=user_id
    )
    if wants_file:
        return Response(
            json.dumps(data.as_json(), indent=2, ensure_ascii=False),
            mimetype="application/json",
            headers={"Content-Disposition": f'attachment; filename="personal-data-{user_id}.json"'},
        )
    return render_template("admin/personal_data.html", data=data, action_words=action_words)


@bp.route("/<int:user_id>/anonymise", methods=["POST"])
@role_required(Role.ADMIN)
def anonymise(user_id: int) -> ResponseReturnValue:
    """Anonymise a switched-off account now, rather than waiting for the leavers' period; with the box
    ticked, also replace the person's name and email in what people wrote (on the person's request)."""
    person = _user_or_404(user_id)
    if person.anonymised_at is not None:
        flash("This account has already been anonymised.", "error")
        return redirect(url_for("admin.user", user_id=person.id))
    try:
        leavers.anonymise(person, actor_id=current_user.id, free_text=request.form.get("free_text") == "yes")
    except leavers.NotSwitchedOff as refused:
        flash(str(refused), "error")
        return redirect(url_for("admin.user", user_id=person.id))
    security_event(
        "privacy_user_anonymised", outcome="success", user_id=current_user.id, subject_user_id=user_id
    )
    flash("The account has been anonymised: the person's name and email are gone.", "success")
    return redirect(url_for("admin.user", user_id=person.id))
