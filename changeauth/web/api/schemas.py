"""Marshmallow schemas shared across the API: pagination and common query arguments."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from changeauth.queries.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE


class StrictSchema(Schema):
    """Unknown fields are an error (422), never silently ignored (API.md conventions)."""

    class Meta:
        ordered = True


class PageArgsSchema(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=DEFAULT_PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class PageSchema(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
