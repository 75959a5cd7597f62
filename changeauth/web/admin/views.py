"""People, for administrators: create accounts with a set-password link (AUTH-06), send a new link, end a
person's sessions or reset their second factor (SESS-06, SESS-07), switch an account off."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms import SelectChoice

from changeauth.domain import permissions
from changeauth.domain.errors import AlreadyExists, ValidationFailed
from changeauth.models import User
from changeauth.queries import reference
from changeauth.queries import users as user_queries
from changeauth.security_log import security_event
from changeauth.services import credentials, second_factor
from changeauth.services import users as user_service
from changeauth.services.credentials import IssuedLink
from changeauth.web.admin.forms import NewUserForm
from changeauth.web.auth.views import link_email_body
from changeauth.web.forms import apply_field_errors
from changeauth.web.mail import send_after_commit

bp = Blueprint("admin", __name__, url_prefix="/admin/users")


def _require_admin() -> None:
    if not permissions.can_manage_users(current_user.as_actor()):
        abort(403)


def _user_or_404(user_id: int) -> User:
    user = user_queries.find_user(user_id)
    if user is None:
        abort(404)
    return user


def _show_link(link: IssuedLink, *, created: bool) -> ResponseReturnValue:
    """The link is shown once, to the administrator, and emailed to the person when mail is configured."""
    emailed = send_after_commit(
        to=link.user.email,
        subject="Your changeauth account" if created else "Choose your changeauth password",
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
@login_required
def users() -> ResponseReturnValue:
    _require_admin()
    return render_template("admin/users.html", people=user_queries.list_users_for_admin())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_user() -> ResponseReturnValue:
    _require_admin()
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


@bp.route("/<int:user_id>")
@login_required
def user(user_id: int) -> ResponseReturnValue:
    _require_admin()
    person = _user_or_404(user_id)
    return render_template(
        "admin/user.html",
        person=person,
        second_factor_required=second_factor.is_required(
            person, required_for_all=current_app.config["REQUIRE_2FA_FOR_ALL"]
        ),
        codes_left=user_queries.recovery_codes_left(person.id),
    )


@bp.route("/<int:user_id>/password-link", methods=["POST"])
@login_required
def password_link(user_id: int) -> ResponseReturnValue:
    _require_admin()
    person = _user_or_404(user_id)
    link = credentials.issue_link(person, purpose="set", actor_id=current_user.id)
    security_event(
        "authn_password_link_issued", outcome="success", user_id=current_user.id, subject_user_id=person.id
    )
    return _show_link(link, created=False)


@bp.route("/<int:user_id>/end-sessions", methods=["POST"])
@login_required
def end_sessions(user_id: int) -> ResponseReturnValue:
    _require_admin()
    person = _user_or_404(user_id)
    user_service.end_sessions(person, actor_id=current_user.id, reason="ended by an administrator")
    security_event(
        "session_revoked_all", outcome="success", user_id=current_user.id, subject_user_id=person.id
    )
    flash(f"{person.name} has been signed out everywhere.", "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/<int:user_id>/reset-second-factor", methods=["POST"])
@login_required
def reset_second_factor(user_id: int) -> ResponseReturnValue:
    _require_admin()
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
@login_required
def deactivate(user_id: int) -> ResponseReturnValue:
    _require_admin()
    person = _user_or_404(user_id)
    if person.id == current_user.id:
        flash("You cannot switch off your own account.", "error")
        return redirect(url_for("admin.user", user_id=person.id))
    user_service.deactivate_user(person, actor_id=current_user.id)
    security_event("user_archived", outcome="success", user_id=current_user.id, subject_user_id=person.id)
    flash(f"{person.name}'s account has been switched off.", "success")
    return redirect(url_for("admin.user", user_id=person.id))
