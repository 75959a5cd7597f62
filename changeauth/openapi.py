"""The flask-smorest ``Api``: OpenAPI generated from the same marshmallow schemas that validate
requests. Error handling stays with the app (``web.errors``) so pages keep their HTML errors.

Every operation documents the error responses it can give, each with the one error shape
(``ApiErrorSchema``), added by ``ErrorResponsesPlugin`` as the document is built rather than by hand.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apispec import BasePlugin
from flask_smorest import Api
from flask_smorest.spec.plugins import integerconverter2paramschema
from marshmallow import Schema
from marshmallow import fields as ma
from werkzeug.routing import IntegerConverter

# Paths where everyone signed in may call every method: no 403 to document.
_OPEN_TO_EVERYONE = frozenset({"/api/v1/me", "/api/v1/reference"})
_WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
_BODY_METHODS = frozenset({"post", "put", "patch"})
# Custom strftime formats of whole-second UTC timestamps ("2026-05-01T09:30:00Z"): RFC 3339 date-times.
_RFC3339_UTC_FORMATS = frozenset({"%Y-%m-%dT%H:%M:%SZ"})
_RFC3339_UTC_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"


# The largest value of a PostgreSQL ``integer`` column: every id in a URL fits one.
MAX_DATABASE_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` in every URL: an id from 1 to ``MAX_DATABASE_ID``, so a larger number is a 404 from
    routing rather than an overflow in the database driver, and the document states the range."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, *args, **kwargs)


class ApiErrorBodySchema(Schema):
    code = ma.String(required=True)
    message = ma.String(required=True)
    field_errors = ma.Dict(keys=ma.String(), values=ma.List(ma.String()), data_key="fields")
    unmet = ma.List(ma.String())


class ApiErrorSchema(Schema):
    error = ma.Nested(ApiErrorBodySchema, required=True)


def error_statuses(path: str, method: str, *, has_body: bool) -> dict[int, str]:
    """The error responses an operation can give, named as flask-smorest's response components."""
    statuses = {401: "UNAUTHORIZED", 429: "TOO_MANY_REQUESTS"}
    if path not in _OPEN_TO_EVERYONE:
        statuses[403] = "FORBIDDEN"
    if "{" in path:
        statuses[404] = "NOT_FOUND"
    if method in _WRITE_METHODS:
        statuses[409] = "CONFLICT"
    if method in _BODY_METHODS or has_body:
        statuses[413] = "REQUEST_ENTITY_TOO_LARGE"
        statuses[400] = "BAD_REQUEST"
    return statuses


class ErrorResponsesPlugin(BasePlugin):
    """Adds the error responses each operation can give (and the 422 of argument validation) to it."""

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **_: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            has_arguments = bool(operation.get("parameters") or operation.get("requestBody"))
            statuses = error_statuses(path or "", method, has_body="requestBody" in operation)
            if has_arguments or method in _BODY_METHODS:
                statuses[422] = "UNPROCESSABLE_ENTITY"
            for status, component in statuses.items():
                responses.setdefault(status, component)


def _rfc3339_timestamps(_converter: Any, field: ma.Field, ret: dict[str, Any], **_: Any) -> dict[str, Any]:
    """apispec leaves custom DateTime formats as ``format: null``; ours are RFC 3339 UTC date-times."""
    if isinstance(field, ma.DateTime) and field.format in _RFC3339_UTC_FORMATS:
        ret["format"] = "date-time"
        ret["pattern"] = _RFC3339_UTC_PATTERN
    return {}


def _numeric_defaults(_converter: Any, field: ma.Field, ret: dict[str, Any], **_: Any) -> dict[str, Any]:
    """A Decimal default or bound would be written as a string; the document states it as a number."""
    for key in ("default", "minimum", "maximum"):
        if isinstance(ret.get(key), Decimal):
            ret[key] = float(ret[key])
    return {}


class ChangeauthApi(Api):
    ERROR_SCHEMA = ApiErrorSchema

    def _register_error_handlers(self) -> None:
        """The app's own handlers give every error the API's shape; nothing to add here."""

    def init_app(self, app: Any, *, spec_kwargs: dict[str, Any] | None = None) -> None:
        # Before any route is added, so every <int:…> in the app (pages too) is a bounded database id.
        app.url_map.converters["int"] = DatabaseIdConverter
        kwargs = dict(spec_kwargs or {})
        kwargs["extra_plugins"] = (*kwargs.get("extra_plugins", ()), ErrorResponsesPlugin())
        super().init_app(app, spec_kwargs=kwargs)
        self.register_converter(DatabaseIdConverter, integerconverter2paramschema)
        self.ma_plugin.converter.add_attribute_function(_rfc3339_timestamps)
        self.ma_plugin.converter.add_attribute_function(_numeric_defaults)
        self.spec.components.security_scheme(
            "bearerAuth",
            {"type": "http", "scheme": "bearer", "description": "An API token from your profile"},
        )
        self.spec.options["security"] = [{"bearerAuth": []}]
