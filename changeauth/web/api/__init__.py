"""The JSON API under /api/v1: bearer tokens, no cookies, no CSRF, one error shape (API.md)."""

from __future__ import annotations

from flask import Flask, abort, current_app, g, request

from changeauth.extensions import api, csrf
from changeauth.services import users as user_service

API_PREFIX = "/api/v1"
PUBLIC_API_ENDPOINTS = frozenset({"api-docs.openapi_json"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _authenticate() -> None:
    """Every API call needs a valid bearer token; bodies must be JSON of at most 1 MiB."""
    if not request.path.startswith(API_PREFIX) or request.endpoint in PUBLIC_API_ENDPOINTS:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = user_service.user_for_api_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        abort(401)
    g.api_user = user
    if request.method in _BODY_METHODS:
        if (
            request.content_length is not None
            and request.content_length > current_app.config["API_MAX_JSON_BYTES"]
        ):
            abort(413)
        if request.content_length and not request.is_json:
            abort(400)


def register_api(app: Flask) -> None:
    from changeauth.web.api import identity

    for blueprint in (identity.blp,):
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
    app.before_request(_authenticate)
