"""The JSON API under /api/v1: bearer tokens, no cookies, no CSRF, one error shape (docs/api.md)."""

from __future__ import annotations

import logging

from flask import Flask, abort, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError

from changeauth.extensions import api, csrf
from changeauth.services import users as user_service
from changeauth.web.api.rate_limits import init_rate_limits, limit_per_person

API_PREFIX = "/api/v1"
PUBLIC_API_ENDPOINTS = frozenset({"api-docs.openapi_json"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
log = logging.getLogger(__name__)


def _authenticate() -> None:
    """Every API call needs a valid bearer token; bodies must be JSON of at most 1 MiB."""
    if not request.path.startswith(API_PREFIX) or request.endpoint in PUBLIC_API_ENDPOINTS:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    resolved = user_service.resolve_api_token(token.strip()) if scheme.lower() == "bearer" else None
    if resolved is None:
        abort(401)
    g.api_user, record = resolved
    g.api_token_id = record.id
    if request.method in _BODY_METHODS:
        if (
            request.content_length is not None
            and request.content_length > current_app.config["API_MAX_JSON_BYTES"]
        ):
            abort(413)
        if request.content_length and not request.is_json:
            abort(400)


def register_api(app: Flask) -> None:
    from changeauth.web.api import audit as audit_api
    from changeauth.web.api import benefits as benefits_api
    from changeauth.web.api import business_cases as business_cases_api
    from changeauth.web.api import dependencies as dependencies_api
    from changeauth.web.api import flags as flags_api
    from changeauth.web.api import gates, identity, improvements
    from changeauth.web.api import personal_data as personal_data_api
    from changeauth.web.api import portfolio as portfolio_api
    from changeauth.web.api import programmes as programmes_api
    from changeauth.web.api import reviews as reviews_api
    from changeauth.web.api import scoring as scoring_api
    from changeauth.web.api import temporary_resources as temporary_resources_api

    for blueprint in (
        identity.blp,
        improvements.blp,
        gates.blp,
        dependencies_api.blp,
        business_cases_api.blp,
        scoring_api.blp,
        benefits_api.blp,
        reviews_api.blp,
        temporary_resources_api.blp,
        flags_api.blp,
        portfolio_api.blp,
        programmes_api.blp,
        audit_api.blp,
        personal_data_api.blp,
    ):
        csrf.exempt(blueprint)
        limit_per_person(blueprint)
        api.register_blueprint(blueprint)
    app.before_request(_authenticate)
    init_rate_limits(app)

    @app.teardown_request
    def _record_token_use(_exc: BaseException | None) -> None:
        # After the request's transaction has ended, so this never waits on the request's own lock.
        token_id = g.pop("api_token_id", None)
        if token_id is None:
            return
        try:
            user_service.record_token_use(token_id)
        except SQLAlchemyError:
            # Bookkeeping only: the answer has been given, so a busy database (SQLite's one writer, many
            # parallel requests) must not turn it into a server error. The next use records it.
            log.warning("could not record an API token's use", extra={"fields": {"token_id": token_id}})
