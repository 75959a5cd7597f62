"""Marshmallow schemas shared across the API: pagination and common query arguments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import request
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from changeauth.domain.errors import ValidationFailed
from changeauth.openapi import MAX_DATABASE_ID
from changeauth.queries.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE

# Money in pence: the largest integer every JSON client holds exactly (about £90 billion).
MAX_PENCE = 2**53 - 1


def _bounded(name: str, field: fields.Integer, *, is_id: bool) -> None:
    """Give an integer without a stated range the range its column holds, so an out-of-range number
    is a 422 (and the document says so) rather than an overflow in the database driver."""
    if any(isinstance(v, validate.Range) for v in field.validators):
        return
    if is_id or name.endswith("_id"):
        field.validators.append(validate.Range(min=1, max=MAX_DATABASE_ID))
    elif name.endswith("_pence"):
        field.validators.append(validate.Range(min=-MAX_PENCE, max=MAX_PENCE))
    else:
        field.validators.append(validate.Range(min=-MAX_DATABASE_ID, max=MAX_DATABASE_ID))


def _no_nul_character(value: str) -> None:
    # PostgreSQL cannot store or compare text containing NUL; no person types one.
    if "\x00" in value:
        raise ValidationError("Remove the NUL character.")


class StrictSchema(Schema):
    """Unknown fields are an error (422), never silently ignored (API.md conventions)."""

    class Meta:
        ordered = True

    def load(
        self,
        data: Mapping[str, Any] | Iterable[Mapping[str, Any]],
        *,
        many: bool | None = None,
        partial: bool | Sequence[str] | None = None,
        unknown: str | None = None,
    ) -> Any:
        # webargs asks query-string schemas to EXCLUDE unknown names; a misspelt filter must be a 422 too.
        return super().load(data, many=many, partial=partial, unknown=RAISE)

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        inner = field_obj.inner if isinstance(field_obj, fields.List) else field_obj
        if isinstance(inner, fields.String):
            inner.validators.append(_no_nul_character)
        if isinstance(field_obj, fields.Integer):
            _bounded(field_name, field_obj, is_id=False)
        elif isinstance(field_obj, fields.List) and isinstance(field_obj.inner, fields.Integer):
            _bounded(field_name, field_obj.inner, is_id=True)  # lists of integers are lists of ids


class PageArgsSchema(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=DEFAULT_PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class PageSchema(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


def requested_version(body_version: int | None) -> int | None:
    """The version the client read, the same way for every write: ``"version"`` in the body, else an
    ``If-Match: "<n>"`` header (a weak ``W/"<n>"`` too). ``None`` when neither was sent."""
    if body_version is not None:
        return body_version
    header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if not header:
        return None
    # ASCII digits only ("²".isdigit() is true), and no longer than a database integer can be.
    if not (header.isascii() and header.isdigit() and len(header) <= 10):
        raise ValidationFailed({"version": ['If-Match must be the version in quotes, like "3".']})
    return int(header)
