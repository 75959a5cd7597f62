"""Signing in with the council's OpenID Connect provider (Microsoft Entra ID, Google, Keycloak, …).

Authlib does the protocol: discovery, the authorisation code flow with PKCE (S256), ``state`` kept in the
session and used once, a ``nonce`` per sign-in, and the ID token's signature (against the provider's
published keys), audience, expiry and nonce. changeauth adds its own issuer rule (Entra ID's multi-tenant
template), the email and second-factor rules (``domain.single_sign_on``) and what an identity means for
an account (``services.single_sign_on``). Every refusal is logged as a security event, counted, and,
once the provider has vouched for the person, audited. See docs/single-sign-on.md.

Sign-in is off unless ``CHANGEAUTH_OIDC_ISSUER`` (with a client id and secret) is set; nothing here
reaches the network until someone presses the sign-in button.
"""

from __future__ import annotations

import contextlib
from typing import Any

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import abort, current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from joserfc import errors as jose_errors

from changeauth import metrics
from changeauth.domain.errors import PermissionDenied
from changeauth.domain.single_sign_on import (
    ClaimProblem,
    check_audience,
    check_issuer,
    display_name,
    mapped_roles,
    provider_asserted_second_factor,
    verified_email,
)
from changeauth.models import User
from changeauth.security_log import security_event
from changeauth.services import credentials, second_factor
from changeauth.services import single_sign_on as sso_service
from changeauth.web.auth import sessions
from changeauth.web.auth.provider import Provider, provider
from changeauth.web.auth.redirects import safe_next
from changeauth.web.auth.views import bp

NEXT_KEY = "_sso_next"
PURPOSE_KEY = "_sso_purpose"
# When the provider re-confirmed who a signed-in person is (step-up), for the code that may follow.
CONFIRMED_AT = "_sso_confirmed_at"
CONFIRMATION_LIFETIME_SECONDS = 300
# Clock skew allowed on the ID token's times.
LEEWAY_SECONDS = 60


class ProviderFailure(Exception):
    """The sign-in cannot go on. ``reason`` is a short code for logs and metrics."""

    def __init__(self, reason: str, message: str, *, identity: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.identity = identity


def _start(purpose: str, next_url: str, **extra: str) -> ResponseReturnValue:
    configured = provider()
    if configured is None:
        abort(404)
    session[PURPOSE_KEY] = purpose
    session[NEXT_KEY] = next_url
    try:
        return configured.client.authorize_redirect(url_for("auth.sso_callback", _external=True), **extra)
    except (requests.RequestException, ValueError) as exc:
        return _refused(
            ProviderFailure(
                "provider_unreachable",
                "The council's sign-in service cannot be reached just now. Try again in a few minutes.",
            ),
            detail=type(exc).__name__,
        )


@bp.route("/sign-in/sso")
def sso_start() -> ResponseReturnValue:
    """Send the person to the provider (a link, not a form, so the CSP's form-action stays 'self')."""
    next_url = safe_next(request.args.get("next"), url_for("main.home"))
    if current_user.is_authenticated:
        return redirect(next_url)
    return _start("sign_in", next_url)


@bp.route("/sign-in/sso/confirm")
@login_required
def sso_confirm() -> ResponseReturnValue:
    """Step-up for people who sign in through the provider: ask it to confirm who they are again."""
    next_url = safe_next(request.args.get("next"), url_for("account.index"))
    return _start("confirm", next_url, prompt="login")


def _error_reason(exc: Exception) -> str:
    if isinstance(exc, jose_errors.ExpiredTokenError):
        return "expired_token"
    if isinstance(exc, jose_errors.BadSignatureError | jose_errors.InvalidKeyIdError):
        return "bad_signature"
    if isinstance(exc, jose_errors.ClaimError):
        return {"aud": "wrong_audience", "nonce": "wrong_nonce", "iss": "wrong_issuer"}.get(
            exc.claim, "invalid_token"
        )
    return "invalid_token"


def _verified_claims(configured: Provider) -> dict[str, Any]:
    """Exchange the code and return the ID token's claims once every check has passed."""
    try:
        token = configured.client.authorize_access_token(
            claims_options={
                "iss": {"essential": True},
                "aud": {"essential": True, "value": configured.client_id},
            },
            leeway=LEEWAY_SECONDS,
        )
    except MismatchingStateError as exc:
        raise ProviderFailure(
            "state_mismatch",
            "That sign-in link has already been used or has expired. Start signing in again.",
        ) from exc
    except OAuthError as exc:
        if exc.error == "access_denied":
            raise ProviderFailure(
                "provider_refused",
                "The council's sign-in service did not let you in. If your council account has been "
                "switched off, ask your IT service desk.",
            ) from exc
        raise ProviderFailure(
            "provider_error", "The council's sign-in service did not sign you in. Start signing in again."
        ) from exc
    except requests.RequestException as exc:
        raise ProviderFailure(
            "provider_unreachable",
            "The council's sign-in service cannot be reached just now. Try again in a few minutes.",
        ) from exc
    except jose_errors.JoseError as exc:
        raise ProviderFailure(
            _error_reason(exc),
            "The answer from the sign-in service could not be trusted, so you have not been signed in. "
            "Start signing in again, and tell the IT service desk if this keeps happening.",
        ) from exc
    claims = token.get("userinfo")
    if not claims:
        raise ProviderFailure("invalid_token", "The sign-in service did not say who you are. Start again.")
    metadata = configured.client.load_server_metadata()
    try:
        check_issuer(
            claims,
            metadata_issuer=str(metadata.get("issuer", "")),
            allowed_tenants=current_app.config["OIDC_ALLOWED_TENANTS"] or (),
        )
        check_audience(claims, client_id=configured.client_id)
    except ClaimProblem as problem:
        raise ProviderFailure(
            problem.reason,
            str(problem)
            if problem.reason == "tenant_not_allowed"
            else "The answer from the sign-in service could not be trusted, so you have not been signed in. "
            "Start signing in again, and tell the IT service desk if this keeps happening.",
        ) from problem
    return dict(claims)


def _identity(claims: dict[str, Any], configured: Provider) -> sso_service.ProviderIdentity:
    role_map = current_app.config["OIDC_ROLE_MAP"]
    try:
        email = verified_email(claims)
        roles = (
            mapped_roles(claims, role_map=role_map, claim_path=current_app.config["OIDC_ROLES_CLAIM"]).roles
            if role_map
            else None
        )
    except ClaimProblem as problem:
        raise ProviderFailure(problem.reason, str(problem), identity=claims) from problem
    return sso_service.ProviderIdentity(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        email=email,
        name=display_name(claims, email),
        roles=roles,
    )


def _refused(failure: ProviderFailure, *, detail: str | None = None) -> ResponseReturnValue:
    """Log, count and (once the provider vouched for someone) audit a refusal; back to the sign-in page.

    A redirect, so the code and state leave the address bar, and the request commits the audit event.
    """
    if failure.identity is not None:
        email = failure.identity.get("email")
        sso_service.record_refusal(
            reason=failure.reason,
            user_id=None,
            email=email if isinstance(email, str) else None,
            issuer=str(failure.identity.get("iss")),
        )
    security_event(
        "authn_login_fail", outcome="failure", via="single_sign_on", reason=failure.reason, detail=detail
    )
    metrics.sign_in_failed("single_sign_on", failure.reason)
    flash(str(failure), "error")
    return redirect(url_for("auth.login"))


@bp.route("/sign-in/sso/callback")
def sso_callback() -> ResponseReturnValue:
    """Where the provider sends the person back, with a code and the state to check."""
    configured = provider()
    if configured is None:
        abort(404)
    purpose = session.pop(PURPOSE_KEY, "sign_in")
    next_url = safe_next(session.pop(NEXT_KEY, None), url_for("main.home"))
    try:
        claims = _verified_claims(configured)
        identity = _identity(claims, configured)
    except ProviderFailure as failure:
        return _refused(failure, detail=type(failure.__cause__).__name__ if failure.__cause__ else None)
    mfa_by_provider = provider_asserted_second_factor(
        claims,
        mfa_acr_values=current_app.config["OIDC_MFA_ACR_VALUES"],
        provider_enforces_mfa=current_app.config["OIDC_PROVIDER_ENFORCES_MFA"],
    )
    if purpose == "confirm" and current_user.is_authenticated:
        return _confirmed(identity, mfa_by_provider=mfa_by_provider, next_url=next_url)
    try:
        outcome = sso_service.sign_in(identity, break_glass_emails=configured.break_glass)
    except sso_service.SignInRefused as refusal:
        return _refused(ProviderFailure(refusal.reason, str(refusal)))
    return _signed_in(outcome, mfa_by_provider=mfa_by_provider, next_url=next_url)


def _signed_in(
    outcome: sso_service.ProviderSignIn, *, mfa_by_provider: bool, next_url: str
) -> ResponseReturnValue:
    user = outcome.user
    credentials.end_reset_links_at_sign_in(user)
    if not mfa_by_provider and user.has_second_factor:
        sessions.begin_pending(user, next_url, via_provider=True)
        return redirect(url_for("auth.two_factor"))
    sessions.start(user, second_factor_done=mfa_by_provider, via_provider=True)
    security_event(
        "authn_login_success",
        outcome="success",
        user_id=user.id,
        factors="single_sign_on+provider_mfa" if mfa_by_provider else "single_sign_on",
        account="created" if outcome.created else "linked" if outcome.linked else "existing",
    )
    if outcome.created:
        flash(
            f"Welcome to {current_app.config['SERVICE_NAME']}, {user.name}. Your account has been set up.",
            "success",
        )
    if not mfa_by_provider and second_factor.is_required(
        user, required_for_all=current_app.config["REQUIRE_2FA_FOR_ALL"]
    ):
        flash("Your role needs a second factor. Set up an authenticator app to continue.", "info")
        return redirect(url_for("account.two_factor_setup"))
    return redirect(next_url)


def _confirmed(
    identity: sso_service.ProviderIdentity, *, mfa_by_provider: bool, next_url: str
) -> ResponseReturnValue:
    me: User = current_user._get_current_object()
    if (me.oidc_issuer, me.oidc_subject) != (identity.issuer, identity.subject):
        security_event("authn_reauth_fail", outcome="failure", user_id=me.id, via="single_sign_on")
        raise PermissionDenied("You confirmed with a different council account. Sign out and start again.")
    if me.has_second_factor and not mfa_by_provider:
        # The provider confirmed the first factor; the confirmation page asks for the code next.
        session[CONFIRMED_AT] = sessions.now_seconds()
        return redirect(url_for("account.confirm", next=next_url))
    sessions.mark_authenticated_now()
    security_event("authn_reauth_success", outcome="success", user_id=me.id, via="single_sign_on")
    return redirect(next_url)


def provider_confirmed_recently() -> bool:
    """The provider re-confirmed this person in the last few minutes (the code is still to come)."""
    confirmed = session.get(CONFIRMED_AT)
    return isinstance(confirmed, int) and sessions.now_seconds() - confirmed <= CONFIRMATION_LIFETIME_SECONDS


def clear_confirmation() -> None:
    session.pop(CONFIRMED_AT, None)


def sign_out_redirect() -> ResponseReturnValue | None:
    """After the changeauth session has ended: the provider's sign-out, where it offers one (RP-initiated
    logout), coming back to the sign-in page. None when there is nothing to do there."""
    configured = provider()
    if configured is None:
        return None
    try:
        return configured.client.logout_redirect(
            post_logout_redirect_uri=url_for("auth.signed_out", _external=True),
            client_id=configured.client_id,
        )
    except (RuntimeError, requests.RequestException, ValueError):
        # Google, for one, publishes no end_session_endpoint: only changeauth's session ends.
        return None


@bp.route("/signed-out")
def signed_out() -> ResponseReturnValue:
    """The provider sends people back here after its own sign-out."""
    configured = provider()
    if configured is not None:
        # Nothing rides on the state here: the person is signed out either way.
        with contextlib.suppress(OAuthError):
            configured.client.validate_logout_response()
    return redirect(url_for("auth.login"))
