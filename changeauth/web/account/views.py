"""Your account: change password (AUTH-03), email and second factor after a fresh sign-in (SESS-09), and
sign out everywhere else (SESS-07)."""

from __future__ import annotations

import secrets

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from changeauth.domain.errors import AlreadyExists, ValidationFailed
from changeauth.models import User
from changeauth.queries import users as user_queries
from changeauth.security_log import security_event
from changeauth.services import credentials, second_factor
from changeauth.services import users as user_service
from changeauth.web.account.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmCodeForm,
    ConfirmIdentityForm,
    StaySignedInForm,
    TotpSetupForm,
)
from changeauth.web.auth import sessions
from changeauth.web.auth.provider import confirms_with_provider, email_from_provider, passwords_allowed_for
from changeauth.web.auth.redirects import safe_next
from changeauth.web.auth.single_sign_on import clear_confirmation, provider_confirmed_recently
from changeauth.web.forms import apply_field_errors
from changeauth.web.mail import send_after_commit

bp = Blueprint("account", __name__, url_prefix="/account")
ENROLMENT_NONCE = "_totp_enrolment"


def _me() -> User:
    return current_user._get_current_object()


def _required_for_me() -> bool:
    return second_factor.is_required(_me(), required_for_all=current_app.config["REQUIRE_2FA_FOR_ALL"])


@bp.route("/stay-signed-in", methods=["POST"])
@login_required
def stay_signed_in() -> ResponseReturnValue:
    """The idle warning's button. Any signed-in page request counts as activity (the session hooks note
    it), so there is nothing more to do: the page's script asks with fetch and stays where it is; without
    script the person goes back to the page they were on."""
    form = StaySignedInForm()
    if not form.validate_on_submit():
        abort(400)
    if request.headers.get("X-Requested-With") == "fetch":
        return Response(status=204)
    return redirect(safe_next(form.next.data, url_for("main.home")))


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    me = _me()
    return render_template(
        "account/index.html",
        me=me,
        second_factor_required=_required_for_me(),
        codes_left=user_queries.recovery_codes_left(me.id) if me.has_second_factor else 0,
        password_allowed=passwords_allowed_for(me.email),
        email_from_provider=email_from_provider(me),
    )


@bp.route("/confirm", methods=["GET", "POST"])
@login_required
def confirm() -> ResponseReturnValue:
    me = _me()
    next_url = safe_next(request.args.get("next"), url_for("account.index"))
    if confirms_with_provider(me):
        return _confirm_with_provider(me, next_url)
    form = ConfirmIdentityForm()
    error = None
    if form.validate_on_submit():
        try:
            user_service.authenticate(me.email, form.password.data or "", ip_address=request.remote_addr)
            if me.has_second_factor:
                second_factor.verify(me, form.code.data or "", ip_address=request.remote_addr)
        except (user_service.AuthenticationFailed, second_factor.SecondFactorFailed):
            error = "Your password or code is not right."
            security_event("authn_reauth_fail", outcome="failure", user_id=me.id)
        else:
            sessions.mark_authenticated_now()
            security_event("authn_reauth_success", outcome="success", user_id=me.id)
            return redirect(next_url)
    # 200 on failure too: the failed attempt is counted only if this request commits.
    return render_template("account/confirm.html", form=form, error=error, needs_code=me.has_second_factor)


def _confirm_with_provider(me: User, next_url: str) -> ResponseReturnValue:
    """People who sign in through the council's provider confirm there; the code follows if they have one."""
    if not provider_confirmed_recently():
        return render_template("account/confirm_with_provider.html", next_url=next_url)
    form = ConfirmCodeForm()
    error = None
    if form.validate_on_submit():
        try:
            second_factor.verify(me, form.code.data or "", ip_address=request.remote_addr)
        except second_factor.SecondFactorFailed:
            error = "The code is not right. Check your authenticator app and try again."
            security_event("authn_reauth_fail", outcome="failure", user_id=me.id, via="single_sign_on")
        else:
            clear_confirmation()
            sessions.mark_authenticated_now()
            security_event("authn_reauth_success", outcome="success", user_id=me.id, via="single_sign_on")
            return redirect(next_url)
    # 200 on failure too: the failed attempt is counted only if this request commits.
    return render_template("account/confirm_code.html", form=form, error=error)


@bp.route("/password", methods=["GET", "POST"])
@login_required
@sessions.fresh_required
def change_password() -> ResponseReturnValue:
    me = _me()
    if not passwords_allowed_for(me.email):
        flash("Passwords are switched off: you sign in with your council account.", "info")
        return redirect(url_for("account.index"))
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            credentials.change_password(
                me,
                current_password=form.current_password.data or "",
                new_password=form.new_password.data or "",
                org_name=current_app.config["ORG_NAME"],
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
            security_event("authn_password_change_fail", outcome="failure", user_id=me.id)
        else:
            sessions.reissue(me)
            security_event("authn_password_change", outcome="success", user_id=me.id, via="account")
            flash(
                "Your password has been changed, and you have been signed out on every other device.",
                "success",
            )
            return redirect(url_for("account.index"))
    return render_template("account/password.html", form=form), 422 if form.errors else 200


@bp.route("/email", methods=["GET", "POST"])
@login_required
@sessions.fresh_required
def change_email() -> ResponseReturnValue:
    me = _me()
    if email_from_provider(me):
        flash("Your email address comes from your council account: it changes there.", "info")
        return redirect(url_for("account.index"))
    form = ChangeEmailForm()
    if form.validate_on_submit():
        old_email = me.email
        try:
            user_service.change_email(me, new_email=form.email.data or "")
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        except AlreadyExists:
            form.email.errors = [*form.email.errors, "That email address belongs to another account."]
        else:
            send_after_commit(
                to=old_email,
                subject="Your sign-in email was changed",
                body=(
                    f"The sign-in email of your {current_app.config['SERVICE_NAME']} account "
                    f"is now {me.email}.\n"
                    "If you did not change it, tell the service desk at once.\n"
                ),
            )
            security_event("user_updated", outcome="success", user_id=me.id, change="email")
            flash("Your email address has been changed.", "success")
            return redirect(url_for("account.index"))
    return render_template("account/email.html", form=form), 422 if form.errors else 200


@bp.route("/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere() -> ResponseReturnValue:
    me = _me()
    user_service.end_sessions(me, actor_id=me.id, reason="signed out everywhere else")
    sessions.reissue(me)
    security_event("session_revoked_all", outcome="success", user_id=me.id, scope="other_devices")
    flash("You have been signed out on every other device.", "success")
    return redirect(url_for("account.index"))


def _enrolment_secret(me: User) -> str:
    nonce = session.get(ENROLMENT_NONCE)
    if not isinstance(nonce, str):
        nonce = secrets.token_urlsafe(16)
        session[ENROLMENT_NONCE] = nonce
    return second_factor.enrolment_secret(current_app.config["SECRET_KEY"], me.id, nonce)


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@login_required
@sessions.fresh_required
def two_factor_setup() -> ResponseReturnValue:
    me = _me()
    secret = _enrolment_secret(me)
    form = TotpSetupForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.enable(me, secret=secret, code=form.code.data or "")
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            session.pop(ENROLMENT_NONCE, None)
            sessions.mark_second_factor_done()
            security_event("authn_mfa_enabled", outcome="success", user_id=me.id)
            return render_template("account/recovery_codes.html", codes=codes, first_time=True)
    uri = second_factor.provisioning_uri(secret, email=me.email, issuer=current_app.config["TOTP_ISSUER"])
    return render_template(
        "account/two_factor_setup.html",
        form=form,
        qr_data_uri=segno.make(uri, error="m").svg_data_uri(scale=5, dark="#0b0c0c"),
        manual_key=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        replacing=me.has_second_factor,
    ), 422 if form.errors else 200


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@login_required
@sessions.fresh_required
def new_recovery_codes() -> ResponseReturnValue:
    me = _me()
    codes = second_factor.regenerate_recovery_codes(me)
    security_event("authn_mfa_recovery_codes_replaced", outcome="success", user_id=me.id)
    return render_template("account/recovery_codes.html", codes=codes, first_time=False)


@bp.route("/two-factor/disable", methods=["POST"])
@login_required
@sessions.fresh_required
def disable_two_factor() -> ResponseReturnValue:
    me = _me()
    second_factor.disable(me, actor_id=me.id, required_for_all=current_app.config["REQUIRE_2FA_FOR_ALL"])
    sessions.reissue(me)
    security_event("authn_mfa_disabled", outcome="success", user_id=me.id)
    flash(
        "Your second factor has been removed, and you have been signed out on every other device.", "success"
    )
    return redirect(url_for("account.index"))
