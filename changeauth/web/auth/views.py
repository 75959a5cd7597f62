"""Sign in (password, then the second factor), sign out, and set or reset a password from a link.

Every sign-in failure looks the same to the person signing in. Pages that record a failed attempt answer
200, not 422, because the request boundary rolls back on errors and the attempt must be counted.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from changeauth import metrics
from changeauth.domain.errors import NotFound, ValidationFailed
from changeauth.extensions import login_manager
from changeauth.models import User
from changeauth.queries import users as user_queries
from changeauth.security_log import security_event
from changeauth.services import credentials, second_factor
from changeauth.services import users as user_service
from changeauth.web.auth import sessions
from changeauth.web.auth.forms import ForgotPasswordForm, SecondFactorForm, SignInForm
from changeauth.web.auth.provider import passwords_allowed_for, provider
from changeauth.web.auth.redirects import safe_next
from changeauth.web.forms import NewPasswordForm, apply_field_errors
from changeauth.web.mail import link_email_body, send_after_commit

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

PASSWORD_LINK = "_password_link"


@login_manager.user_loader
def _load_user(session_user_id: str) -> User | None:
    return user_service.load_session_user(session_user_id)


def _second_factor_required(user: User) -> bool:
    return second_factor.is_required(user, required_for_all=current_app.config["REQUIRE_2FA_FOR_ALL"])


def _sign_in_page(form: SignInForm, error: str | None) -> ResponseReturnValue:
    return render_template(
        "auth/login.html",
        form=form,
        error=error,
        next_url=request.args.get("next", ""),
        sso=provider(),
    )


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
            if not passwords_allowed_for(form.email.data or ""):
                # SSO-only: passwords work for the named emergency administrator accounts alone. The
                # answer is the usual one, so the page says nothing about the account.
                user_service.record_refused_password(form.email.data or "", ip_address=request.remote_addr)
            user = user_service.authenticate(
                form.email.data or "", form.password.data or "", ip_address=request.remote_addr, policy=policy
            )
        except user_service.AuthenticationFailed as failure:
            error = str(failure)
            event = "authn_login_lock" if failure.throttled else "authn_login_fail"
            security_event(event, outcome="failure", username=(form.email.data or "")[:254])
            metrics.sign_in_failed("password", "throttled" if failure.throttled else "wrong_credentials")
        else:
            credentials.end_reset_links_at_sign_in(user)
            if user.has_second_factor:
                sessions.begin_pending(user, next_url)
                return redirect(url_for("auth.two_factor"))
            sessions.start(user, second_factor_done=False)
            security_event("authn_login_success", outcome="success", user_id=user.id, factors="password")
            if _second_factor_required(user):
                flash("Your role needs a second factor. Set up an authenticator app to continue.", "info")
                return redirect(url_for("account.two_factor_setup"))
            return redirect(next_url)
    return _sign_in_page(form, error)


@bp.route("/sign-in/two-factor", methods=["GET", "POST"])
def two_factor() -> ResponseReturnValue:
    pending = sessions.pending_user_id()
    user = user_service.load_session_user(pending) if pending else None
    if user is None or not user.has_second_factor:
        sessions.clear_pending()
        flash("Sign in again to continue.", "info")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    error = None
    if form.validate_on_submit():
        try:
            used = second_factor.verify(user, form.code.data or "", ip_address=request.remote_addr)
        except second_factor.SecondFactorFailed as failure:
            event = "authn_mfa_lock" if failure.throttled else "authn_mfa_fail"
            security_event(event, outcome="failure", user_id=user.id)
            metrics.sign_in_failed("second_factor", "throttled" if failure.throttled else "wrong_code")
            if failure.throttled:
                sessions.clear_pending()
                flash("Too many wrong codes. Wait 15 minutes, then sign in again.", "error")
                return redirect(url_for("auth.login"))
            error = str(failure)
        else:
            next_url = sessions.pending_next(url_for("main.home"))
            first_factor = "single_sign_on" if sessions.pending_via_provider() else "password"
            sessions.start(user, second_factor_done=True, via_provider=first_factor == "single_sign_on")
            security_event(
                "authn_login_success", outcome="success", user_id=user.id, factors=f"{first_factor}+{used}"
            )
            if used == "recovery_code":
                left = user_queries.recovery_codes_left(user.id)
                flash(
                    f"You used a recovery code; {left} are left. Make new ones on your account page.", "info"
                )
            return redirect(next_url)
    return render_template("auth/two_factor.html", form=form, error=error)


@bp.route("/sign-out", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    # Ending the session server-side means a copied cookie cannot be replayed (SESS-03).
    from changeauth.web.auth.single_sign_on import sign_out_redirect

    user_id = current_user.id
    via_provider = sessions.signed_in_via_provider()
    user_service.end_sessions(
        current_user._get_current_object(), actor_id=user_id, reason="signed out", keep_api_tokens=True
    )
    sessions.end()
    security_event("authn_logout", outcome="success", user_id=user_id, provider_too=via_provider)
    flash("You have signed out.", "success")
    # Signed in through the council's provider: end its session too, where it offers a way to.
    onward = sign_out_redirect() if via_provider else None
    return onward if onward is not None else redirect(url_for("auth.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        link = (
            credentials.request_password_reset(form.email.data or "")
            if passwords_allowed_for(form.email.data or "")
            else None
        )
        security_event(
            "authn_password_reset_request",
            outcome="success",
            user_id=link.user.id if link else None,
            username=(form.email.data or "")[:254],
        )
        if link is not None:
            send_after_commit(
                to=link.user.email, subject="Choose a new password", body=link_email_body(link.token, "reset")
            )
        # The same answer whether or not there is such an account (AUTH-07).
        flash(
            "If there is an account for that address, we have emailed it a link to choose a new password. "
            "The link works once, within an hour.",
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/set-password/<token>")
def password_link(token: str) -> ResponseReturnValue:
    # Keep the token out of the address bar, history and Referer headers (DATA-02): into the session,
    # then to a page with a plain address.
    session[PASSWORD_LINK] = token[:100]
    return redirect(url_for("auth.set_password"))


@bp.route("/set-password", methods=["GET", "POST"])
def set_password() -> ResponseReturnValue:
    token = session.get(PASSWORD_LINK)
    link = credentials.find_valid_link(token) if isinstance(token, str) else None
    if link is not None and not passwords_allowed_for(user_service.email_of(link.user_id)):
        link = None
    if link is None:
        session.pop(PASSWORD_LINK, None)
        return render_template("auth/link_expired.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = credentials.redeem_link(
                str(token), new_password=form.new_password.data or "", org_name=current_app.config["ORG_NAME"]
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        except NotFound:
            return render_template("auth/link_expired.html"), 404
        else:
            session.clear()
            security_event(
                "authn_password_change", outcome="success", user_id=user.id, via=f"{link.purpose}_link"
            )
            flash("Your password has been set. Sign in with it now.", "success")
            return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/set_password.html", form=form, purpose=link.purpose), status
