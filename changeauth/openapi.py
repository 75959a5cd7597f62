"""The flask-smorest ``Api``: OpenAPI generated from the same marshmallow schemas that validate
requests. Error handling stays with the app (``web.errors``) so pages keep their HTML errors."""

from __future__ import annotations

from typing import Any

from flask_smorest import Api
from marshmallow import Schema
from marshmallow import fields as ma


class ApiErrorBodySchema(Schema):
    code = ma.String(required=True)
    message = ma.String(required=True)
    field_errors = ma.Dict(keys=ma.String(), values=ma.List(ma.String()), data_key="fields")
    unmet = ma.List(ma.String())


class ApiErrorSchema(Schema):
    error = ma.Nested(ApiErrorBodySchema, required=True)


class ChangeauthApi(Api):  # type: ignore[misc]
    ERROR_SCHEMA = ApiErrorSchema

    def _register_error_handlers(self) -> None:
        """The app's own handlers give every error the API's shape; nothing to add here."""

    def init_app(self, app: Any, *, spec_kwargs: dict[str, Any] | None = None) -> None:
        super().init_app(app, spec_kwargs=spec_kwargs)
        self.spec.components.security_scheme(
            "bearerAuth",
            {"type": "http", "scheme": "bearer", "description": "An API token from your profile"},
        )
        self.spec.options["security"] = [{"bearerAuth": []}]
