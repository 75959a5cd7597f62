"""Request lifecycle: request ids, session limits, the second-factor gate, the one commit per request
(then the work that waited for it, see ``post_commit``), and security headers on every response."""

from __future__ import annotations

import logging
import re
import secrets
import time

from flask import Flask, Response, current_app, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from changeauth import metrics
from changeauth.runtime import request_id_var
from changeauth.security_log import SECRET_NAMES, security_event
from changeauth.services import second_factor, transaction
from changeauth.web import shared_views
from changeauth.web.auth import provider, sessions
from changeauth.web.post_commit import run_after_commit

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Reachable by a signed-in person who still owes a second factor.
_SECOND_FACTOR_EXEMPT = frozenset(
    {
        "static",
        "auth.logout",
        "auth.sso_confirm",
        "auth.sso_callback",
        "auth.signed_out",
        "account.two_factor_setup",
        "account.confirm",
        "health.live",
        "health.ready",
    }
)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action {form_action}"
)


def _is_page_request() -> bool:
    return request.endpoint != "static" and not request.path.startswith("/api/")


def register(app: Flask) -> None:
    @app.before_request
    def _start_request() -> None:
        g.request_started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID_PATTERN.match(incoming) else secrets.token_hex(8)
        request_id_var.set(g.request_id)
        transaction.begin_unit_of_work(writes=request.method not in _SAFE_METHODS)

    @app.before_request
    def _enforce_session_limits() -> None:
        if not _is_page_request():
            return
        user_id = sessions.signed_in_user_id()
        reason = sessions.expiry_reason(
            idle=current_app.config["SESSION_IDLE_TIMEOUT"],
            absolute=current_app.config["SESSION_ABSOLUTE_TIMEOUT"],
        )
        if reason is None:
            return
        sessions.end()
        security_event("session_expired", outcome="success", user_id=user_id, reason=reason)
        if reason == "idle":
            flash("You were signed out because you had not done anything for a while. Sign in again.", "info")
        elif reason == "absolute":
            flash("You were signed out because you signed in more than 12 hours ago. Sign in again.", "info")

    @app.before_request
    def _second_factor_gate() -> ResponseReturnValue | None:
        if not _is_page_request() or request.endpoint in _SECOND_FACTOR_EXEMPT:
            return None
        if not current_user.is_authenticated or sessions.second_factor_done():
            return None
        if current_user.has_second_factor:
            # Enrolled, but this session never gave the code (it began before enrolment): start again.
            sessions.end()
            flash("Sign in again with your authenticator app.", "info")
            return redirect(url_for("auth.login"))
        if second_factor.is_required(
            current_user, required_for_all=current_app.config["REQUIRE_2FA_FOR_ALL"]
        ):
            return redirect(url_for("account.two_factor_setup"))
        return None

    @app.teardown_request
    def _end_unit_of_work(_exc: BaseException | None) -> None:
        # Threads are reused between requests: the next one must not inherit this one's write intent.
        transaction.begin_unit_of_work(writes=False)

    @app.after_request
    def _finish_request(response: Response) -> Response:
        # One commit per request, at the boundary: success commits, anything else rolls back.
        if response.status_code < 400:
            try:
                transaction.commit()
            except SQLAlchemyError as exc:
                transaction.rollback()
                from changeauth.web.errors import database_failure_response, is_database_failure

                if not is_database_failure(exc):
                    raise
                response = database_failure_response(exc)
            else:
                if (
                    request.method not in _SAFE_METHODS
                    and _is_page_request()
                    and current_user.is_authenticated
                ):
                    shared_views.note_write()
                run_after_commit()
        else:
            transaction.rollback()
        response.headers["X-Request-ID"] = g.get("request_id", "")
        security_headers(response)
        _measure(response)
        return response


access_log = logging.getLogger("changeauth.requests")


def _loggable_path() -> str:
    """The path, unless part of it is a secret (a set-password link's token): then the route's pattern,
    as security events never carry secrets either (LOG-02)."""
    arguments = request.view_args or {}
    if request.url_rule is not None and any(SECRET_NAMES.search(name) for name in arguments):
        return request.url_rule.rule
    return request.path[:500]


def _loaded_user_id() -> int | None:
    """Who made the request, if the request already loaded them (reading the cookie again costs time)."""
    user = g.get("api_user") or g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    # The identity key, not ``user.id``: after a refused request's rollback the user is expired, and
    # reading an attribute would open a new transaction just to write a log line.
    state = inspect(user, raiseerr=False)
    identity = state.identity if state is not None else None
    return int(identity[0]) if identity else None


def _measure(response: Response) -> None:
    """Count the request for /metrics and write its access-log line (JSON, with the request id)."""
    started = g.get("request_started")
    if started is None:
        return
    seconds = time.perf_counter() - started
    endpoint = request.url_rule.endpoint if request.url_rule is not None else None
    metrics.observe_request(request.method, endpoint, response.status_code, seconds)
    if current_app.config.get("ACCESS_LOG", True) and access_log.isEnabledFor(logging.INFO):
        access_log.info(
            "request",
            extra={
                "fields": {
                    "event": "request",
                    "method": request.method,
                    "path": _loggable_path(),
                    "endpoint": endpoint,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                    "user_id": _loaded_user_id(),
                    "ip": request.remote_addr,
                }
            },
        )


def security_headers(response: Response) -> None:
    """The headers every response carries, pages, errors, redirects and static files alike (HDR-01..03)."""
    headers = response.headers
    # Signing out of a provider continues the sign-out form's POST there, which form-action must allow.
    headers.setdefault(
        "Content-Security-Policy",
        CONTENT_SECURITY_POLICY.format(form_action=provider.form_action_sources()),
    )
    headers.setdefault(
        "Strict-Transport-Security",
        f"max-age={current_app.config['HSTS_MAX_AGE_SECONDS']}; includeSubDomains",
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    if request.endpoint != "static":
        # Pages, downloads and API answers never sit in a shared or browser cache (HDR-03, DATA-01);
        # only the public stylesheet and scripts may be cached.
        headers["Cache-Control"] = "no-store"
