"""Error handling: domain errors and HTTP errors become a page for people or the API's JSON shape.

Unexpected exceptions get a generic page with a correlation id; the same id is logged with the trace
(ERR-01, ERR-02). Nothing a client sends produces a traceback in a response. A database that cannot be
reached answers 503 and a full disk a 503 saying nothing was saved (RES-01, RES-03); the request's
transaction is rolled back either way, and the next request tries the database afresh. Refusals are
security events: 401 and 403 (``authn_token_fail``, ``authz_fail``), a bad CSRF token
(``input_validation_fail``) and a refused workflow transition (``workflow_transition_denied``).
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, g, jsonify, render_template, request
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, SecurityError

from changeauth.domain.errors import (
    AlreadyExists,
    DomainError,
    GateCriteriaUnmet,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    VersionConflict,
)
from changeauth.security_log import security_event
from changeauth.web.forms import labels_of_forms_in_request

logger = logging.getLogger("changeauth.errors")

DOMAIN_STATUS = {
    NotFound: 404,
    PermissionDenied: 403,
    InvalidTransition: 409,
    VersionConflict: 409,
    AlreadyExists: 409,
    ValidationFailed: 422,
    GateCriteriaUnmet: 422,
}

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "bad_request",
    422: "validation_failed",
    429: "rate_limited",
    503: "unavailable",
}

HTTP_MESSAGES = {
    400: "The request could not be understood.",
    401: "Sign in with a valid API token.",
    403: "You do not have permission to do that.",
    404: "There is nothing here.",
    405: "That method is not allowed here.",
    413: "The request is too large.",
    422: "Some values need correcting.",
    429: "Too many requests. Wait a moment and try again.",
    503: "The service is temporarily unavailable. Try again shortly.",
}

DISK_FULL_MESSAGE = (
    "The service has run out of storage space, so nothing was saved. Your change was not made: "
    "try again later, and tell the service desk if this keeps happening."
)
# SQLite's "database or disk is full"; PostgreSQL's disk_full (53100) and out-of-space messages.
_DISK_FULL_MARKERS = (
    "database or disk is full",
    "disk full",
    "no space left on device",
    "could not extend file",
)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def api_error(
    status: int,
    code: str,
    message: str,
    *,
    fields: dict[str, list[str]] | None = None,
    unmet: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The one error shape of the API."""
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    if unmet is not None:
        body["unmet"] = unmet
    response = jsonify({"error": body})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs reports errors per location ({"json": {"title": [...]}}); the API names just the field."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = str(key) if key not in ("json", "query", "querystring", "view_args") or prefix else ""
            path = f"{prefix}.{name}" if prefix and name else (name or prefix)
            for field, msgs in _flatten_messages(value, path).items():
                flat.setdefault(field, []).extend(msgs)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = list(messages)
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            flat.update(_flatten_messages(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


# The heading of the page for a refusal says what happened, not only the status code.
DOMAIN_TITLES = {
    VersionConflict: "Someone else changed this",
    InvalidTransition: "This cannot be done at this stage",
    AlreadyExists: "This has been done already",
    GateCriteriaUnmet: "The gate's criteria are not all met",
}


def _page(status: int, message: str, title: str | None = None, **context: Any) -> tuple[str, int]:
    template = (
        f"errors/{status}.html"
        if status in (400, 403, 404, 405, 409, 413, 422, 429, 500, 503)
        else "errors/generic.html"
    )
    return render_template(
        template, status=status, message=message, title=title, request_id=g.get("request_id"), **context
    ), status


# Form fields never given back on a refusal page: secrets, and what only the machine reads.
_NOT_GIVEN_BACK = re.compile(r"csrf|password|secret|token|code|version", re.IGNORECASE)


def what_was_typed() -> list[tuple[str, str]]:
    """The free text a refused form post carried (a note, a rationale, a title), under its field's label,
    so a person whose change lost a race with someone else's can copy it into the page again.

    Only text with a space in it, or long text, is given back: choices, numbers and dates are quick to
    set again, and their stored codes are not words a person should read."""
    if request.method != "POST" or not request.form:
        return []
    labels = labels_of_forms_in_request()
    typed = []
    for name, value in request.form.items(multi=True):
        text = value.strip()
        if _NOT_GIVEN_BACK.search(name) or not text or (" " not in text and len(text) <= 30):
            continue
        # The label the person read; a field no form of this request declares is named from its name.
        words = (
            labels.get(name) or re.sub(r"[-_]+", " ", re.sub(r"-\d+(?=-|$)", "", name)).strip().capitalize()
        )
        typed.append((words, text))
    return typed


def _same_site_referrer() -> str | None:
    """The page the refused form was on, when it is this service's own."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    return referrer if parts.netloc == request.host and parts.scheme in ("http", "https") else None


def _acting_user_id() -> int | None:
    api_user = g.get("api_user")
    if api_user is not None:
        return int(api_user.id)
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        return int(user.id)
    # Not loaded yet (CSRF is checked before anything else): the id the signed session claims.
    from changeauth.web.auth.sessions import signed_in_user_id

    return signed_in_user_id()


def is_disk_full(error: BaseException) -> bool:
    original = getattr(error, "orig", None) or error
    if getattr(original, "sqlstate", None) == "53100" or getattr(original, "errno", None) == 28:
        return True
    text = str(original).lower()
    return any(marker in text for marker in _DISK_FULL_MARKERS)


def is_database_failure(error: BaseException) -> bool:
    """The database is unreachable, gone away or full, as opposed to a bug or a constraint violation."""
    return isinstance(error, OperationalError | InterfaceError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


def database_failure_response(error: BaseException) -> Response:
    """503 for a database that is down or full. Renders without touching the database again."""
    disk_full = is_disk_full(error)
    request_id = g.get("request_id", "-")
    logger.error(
        "database %s (request id %s) on %s %s: %s",
        "full" if disk_full else "unavailable",
        request_id,
        request.method,
        request.path,
        type(getattr(error, "orig", None) or error).__name__,
        exc_info=error,
    )
    message = DISK_FULL_MESSAGE if disk_full else HTTP_MESSAGES[503]
    if is_api_request():
        return api_error(503, "unavailable", message, headers={"Retry-After": "30"})
    # The page must not load the signed-in person (that needs the database): show it as signed out.
    g._login_user = AnonymousUserMixin()
    g.database_unavailable = True
    body, status = _page(503, message)
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Retry-After"] = "30"
    return response


def register(app: Flask) -> None:
    @app.errorhandler(SQLAlchemyError)
    def _database_error(error: SQLAlchemyError) -> Any:
        if isinstance(error, StaleDataError):
            # A guarded row changed under a flush no service wrapped (services/guards.py): still a 409.
            return _domain_error(VersionConflict())
        if is_database_failure(error):
            return database_failure_response(error)
        return _unexpected(error)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> Any:
        security_event(
            "input_validation_fail",
            outcome="failure",
            user_id=_acting_user_id(),
            level=logging.WARNING,
            field="csrf_token",
            reason=error.description,
        )
        return _http_error(error)

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError) -> Any:
        status = next((s for cls, s in DOMAIN_STATUS.items() if isinstance(error, cls)), 400)
        if isinstance(error, PermissionDenied):
            security_event("authz_fail", outcome="failure", user_id=_acting_user_id(), level=logging.WARNING)
        elif isinstance(error, InvalidTransition):
            security_event(
                "workflow_transition_denied",
                outcome="failure",
                user_id=_acting_user_id(),
                level=logging.WARNING,
                reason=error.message,
            )
        if is_api_request():
            return api_error(
                status,
                error.code,
                error.message,
                fields=getattr(error, "fields", None),
                unmet=getattr(error, "unmet", None),
            )
        title = next((t for cls, t in DOMAIN_TITLES.items() if isinstance(error, cls)), None)
        if isinstance(error, VersionConflict):
            # Nothing the person typed is lost: the page gives it back, and links to the latest version.
            return _page(status, error.message, title, typed=what_was_typed(), back_to=_same_site_referrer())
        return _page(status, error.message, title)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        status = error.code or 500
        if isinstance(error, SecurityError):
            # A Host outside TRUSTED_HOSTS (CFG-07): no page, since no link may be built for that host.
            return Response("Bad request.\n", status=400, mimetype="text/plain")
        if status == 403:
            security_event("authz_fail", outcome="failure", user_id=_acting_user_id(), level=logging.WARNING)
        elif status == 401 and is_api_request():
            security_event("authn_token_fail", outcome="failure", level=logging.WARNING)
        if is_api_request():
            data = getattr(error, "data", None) or {}
            fields = _flatten_messages(data["messages"]) if "messages" in data else None
            code = "bad_request" if status == 400 else HTTP_CODES.get(status, "error")
            message = HTTP_MESSAGES.get(status, error.description or "Error")
            headers = dict(data.get("headers") or {})
            valid_methods = getattr(error, "valid_methods", None)
            if status == 405 and valid_methods:
                headers["Allow"] = ", ".join(valid_methods)
            return api_error(status, code, message, fields=fields, headers=headers)
        response = error.get_response()
        if status >= 400 and response.status_code == status:
            body, _ = _page(status, HTTP_MESSAGES.get(status, error.description or ""))
            response.set_data(body)
            response.mimetype = "text/html"
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        request_id = g.get("request_id", "-")
        logger.exception("unhandled error (request id %s) on %s %s", request_id, request.method, request.path)
        if is_api_request():
            return api_error(500, "internal_error", f"Something went wrong. Quote reference {request_id}.")
        return _page(500, "Something went wrong on our side.")
