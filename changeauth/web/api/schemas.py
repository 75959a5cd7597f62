"""What every API endpoint shares: its blueprint class (with a JSON reader that refuses absurd
nesting), strict schemas, pagination and common query arguments."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import replace
from typing import Any

import flask_smorest
from flask import request
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from webargs.flaskparser import FlaskParser

from changeauth.domain import dates
from changeauth.domain.errors import ValidationFailed
from changeauth.openapi import MAX_DATABASE_ID
from changeauth.queries.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE, Page

# Money in pence: the largest integer every JSON client holds exactly (about £90 billion).
MAX_PENCE = 2**53 - 1


def _add_validator(field: fields.Field, validator: Any) -> None:
    """Give this field (and only this one) another validator, once.

    A schema instance's fields are shallow copies of the class's (marshmallow copies fields with
    ``copy.copy``), so they share the class's ``validators`` list: appending to it would add the
    validator again for every schema instance ever made. A new list belongs to this copy alone.
    """
    if validator not in field.validators:
        field.validators = [*field.validators, validator]


def _bounded(name: str, field: fields.Integer, *, is_id: bool) -> None:
    """Give an integer without a stated range the range its column holds, so an out-of-range number
    is a 422 (and the document says so) rather than an overflow in the database driver."""
    if any(isinstance(v, validate.Range) for v in field.validators):
        return
    if is_id or name.endswith("_id"):
        _add_validator(field, _ID_RANGE)
    elif name.endswith("_pence"):
        _add_validator(field, _PENCE_RANGE)
    else:
        _add_validator(field, _INTEGER_RANGE)


_ID_RANGE = validate.Range(min=1, max=MAX_DATABASE_ID)
_PENCE_RANGE = validate.Range(min=-MAX_PENCE, max=MAX_PENCE)
_INTEGER_RANGE = validate.Range(min=-MAX_DATABASE_ID, max=MAX_DATABASE_ID)
_DATE_RANGE = validate.Range(min=dates.EARLIEST, max=dates.LATEST, error=dates.OUT_OF_RANGE)


def _storable_text(value: str) -> None:
    # PostgreSQL cannot store or compare text containing NUL; no person types one. A lone surrogate
    # (JSON's "\ud800" with no partner) is not a character at all and cannot be encoded to store.
    if "\x00" in value:
        raise ValidationError("Remove the NUL character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("Remove the character that is not valid text (a lone surrogate).") from None


class _BodyParser(FlaskParser):
    """webargs' reader, but JSON nested deeper than the interpreter can follow is a 400, not a 500.

    Python's JSON decoder follows nesting by recursion and gives up with ``RecursionError`` near a
    thousand levels; no body of ours is nested more than four deep.
    """

    def _raw_load_json(self, req: Any) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            raise json.JSONDecodeError("The JSON is nested too deeply.", "nested", 0) from None


class Blueprint(flask_smorest.Blueprint):
    """The API's blueprints: flask-smorest's, reading bodies with ``_BodyParser``."""

    ARGUMENTS_PARSER = _BodyParser()


class StrictSchema(Schema):
    """Unknown fields are an error (422), never silently ignored (docs/api.md)."""

    class Meta:
        ordered = True

    def load(
        self,
        data: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        many: bool | None = None,
        partial: bool | Sequence[str] | AbstractSet[str] | None = None,
        unknown: str | None = None,
    ) -> Any:
        # webargs asks query-string schemas to EXCLUDE unknown names; a misspelt filter must be a 422 too.
        return super().load(data, many=many, partial=partial, unknown=RAISE)

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        inner = field_obj.inner if isinstance(field_obj, fields.List) else field_obj
        if isinstance(inner, fields.String):
            _add_validator(inner, _storable_text)
        if isinstance(inner, fields.Date):
            _add_validator(inner, _DATE_RANGE)
        if isinstance(field_obj, fields.Integer):
            _bounded(field_name, field_obj, is_id=False)
        elif isinstance(field_obj, fields.List) and isinstance(field_obj.inner, fields.Integer):
            _bounded(field_name, field_obj.inner, is_id=True)  # lists of integers are lists of ids


class PageArgsSchema(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=DEFAULT_PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class PageSchema(Schema):
    """Every list's wrapper: ``items`` (declared by each list's subclass), ``page``, ``per_page`` and
    ``total``, dumped from a ``queries.pagination.Page`` (``page_of``)."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


def page_of(page: Page[Any], items: Sequence[Any] | None = None) -> Page[Any]:
    """The page for its list's ``PageSchema`` to dump, with ``items`` in place of the page's own rows
    when each row must first be seen as the caller sees it."""
    return page if items is None else replace(page, items=items)


def window(rows: Sequence[Any], page: int, per_page: int) -> Page[Any]:
    """One page of a list already held in full, numbered like every other list."""
    return Page(rows[(page - 1) * per_page : page * per_page], page, per_page, len(rows))


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


class AdjustmentConfirmSchema(StrictSchema):
    """Finance confirms a proposed like-for-like adjustment with the evidence that settles its condition
    (``services.benefits.confirm_adjustment``, the service the benefit's page uses)."""

    evidence = fields.String(required=True, validate=validate.Length(min=1, max=10_000))
    # The benefit's version as read; or an If-Match header.
    version = fields.Integer(strict=True, validate=validate.Range(min=1))
