"""Sign in and sign out. Every failure looks the same to the person signing in."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from changeauth.extensions import login_manager
from changeauth.models import User
from changeauth.services import users as user_service
from changeauth.web.auth.forms import SignInForm
from changeauth.web.auth.redirects import safe_next

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(session_user_id: str) -> User | None:
    return user_service.load_session_user(session_user_id)


@bp.route("/sign-in", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    next_url = safe_next(request.args.get("next"), url_for("main.home"))
    if current_user.is_authenticated:
        return redirect(next_url)
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        policy = user_service.LoginPolicy(
            max_failures=current_app.config["LOGIN_MAX_FAILURES"],
            max_failures_per_hour=current_app.config["LOGIN_MAX_FAILURES_PER_HOUR"],
        )
        try:
            user = user_service.authenticate(
                form.email.data or "", form.password.data or "", ip_address=request.remote_addr, policy=policy
            )
        except user_service.AuthenticationFailed as failure:
            error = str(failure)
        else:
            session.clear()
            session.permanent = True
            login_user(user)
            return redirect(next_url)
    return render_template("auth/login.html", form=form, error=error, next_url=request.args.get("next", ""))


@bp.route("/sign-out", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    # Ending the session server-side means a copied cookie cannot be replayed (SESS-03).
    user_service.end_sessions(
        current_user._get_current_object(), actor_id=current_user.id, reason="signed out"
    )
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))
