"""The Temporary resources endpoints of the API (API.md "Temporary resources")."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from changeauth.domain import temporary_resources as rules
from changeauth.domain.errors import ValidationFailed
from changeauth.queries import temporary_resources as resource_queries
from changeauth.queries.clock import today
from changeauth.services import temporary_resources as resource_service
from changeauth.web.api.benefits import TIMESTAMP, requested_version
from changeauth.web.api.schemas import PageArgsSchema, PageSchema, StrictSchema

blp = Blueprint("temporary_resources_api", __name__, url_prefix="/api/v1", description="Temporary resources")

KIND_MESSAGE = "Choose fixed_term, agency, secondment, contractor, licence or other."


class ResourceCreateSchema(StrictSchema):
    role_title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    team = fields.String(allow_none=True)
    improvement_id = fields.Integer(allow_none=True, strict=True)
    kind = fields.String(
        required=True, validate=validate.OneOf([k.value for k in rules.ResourceKind], error=KIND_MESSAGE)
    )
    annual_cost_pence = fields.Integer(required=True, strict=True)
    funding_source = fields.String(required=True, validate=validate.Length(min=1, max=200))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    owner_id = fields.Integer(required=True, strict=True)
    reason = fields.String(validate=validate.Length(max=10_000))


class ResourcePatchSchema(StrictSchema):
    actual_end_date = fields.Date()
    extension_until = fields.Date()
    extension_reason = fields.String(validate=validate.Length(max=10_000))
    version = fields.Integer(strict=True, validate=validate.Range(min=1))


class ResourceListArgsSchema(PageArgsSchema):
    status = fields.String(
        validate=validate.OneOf(
            [s.value for s in rules.ResourceStatus], error="Choose a status from the list."
        )
    )
    improvement_id = fields.Integer()
    on = fields.Date()


class ResourceSchema(Schema):
    id = fields.Integer(required=True)
    role_title = fields.String(required=True)
    team = fields.String(allow_none=True, required=True)
    improvement_id = fields.Integer(allow_none=True, required=True)
    programme_id = fields.Integer(allow_none=True, required=True)
    kind = fields.String(required=True)
    annual_cost_pence = fields.Integer(required=True)
    funding_source = fields.String(required=True)
    reason = fields.String(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    extension_until = fields.Date(allow_none=True, required=True)
    extension_reason = fields.String(allow_none=True, required=True)
    extended_by_id = fields.Integer(allow_none=True, required=True)
    actual_end_date = fields.Date(allow_none=True, required=True)
    effective_end_date = fields.Date(required=True)
    owner_id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    created_at = fields.DateTime(format=TIMESTAMP, required=True)
    status = fields.String(required=True)
    days_overrun = fields.Integer(required=True)
    overrun_exposure_pence = fields.Integer(required=True)
    as_of = fields.Date(required=True)


class ResourcePageSchema(PageSchema):
    items = fields.List(fields.Nested(ResourceSchema), required=True)


def resource_json(row: resource_queries.ResourceRow, on: Any) -> dict[str, Any]:
    r = row.resource
    return {
        "id": r.id,
        "role_title": r.role_title,
        "team": r.team.code if r.team else None,
        "improvement_id": r.improvement_id,
        "programme_id": r.programme_id,
        "kind": r.kind,
        "annual_cost_pence": r.annual_cost_pence,
        "funding_source": r.funding_source,
        "reason": r.reason,
        "start_date": r.start_date,
        "end_date": r.end_date,
        "extension_until": r.extension_until,
        "extension_reason": r.extension_reason,
        "extended_by_id": r.extended_by_id,
        "actual_end_date": r.actual_end_date,
        "effective_end_date": r.effective_end,
        "owner_id": r.owner_id,
        "version": r.version,
        "created_at": r.created_at,
        "status": row.status.value,
        "days_overrun": row.days_overrun,
        "overrun_exposure_pence": row.exposure_pence,
        "as_of": on,
    }


def _one(resource_id: int) -> dict[str, Any]:
    on = today()
    return resource_json(resource_queries.describe(resource_queries.get_resource(resource_id), on), on)


@blp.route("/temporary-resources", methods=["GET"], endpoint="list_resources")
@blp.arguments(ResourceListArgsSchema, location="query")
@blp.response(200, ResourcePageSchema)
def list_resources(args: dict[str, Any]) -> dict[str, Any]:
    """The register, each with its status and overrun exposure as of today (or ``on``)."""
    on = args.get("on") or today()
    page = resource_queries.list_resources(
        resource_queries.ResourceFilters(
            status=args.get("status"), improvement_id=args.get("improvement_id")
        ),
        on=on,
        page=args["page"],
        per_page=args["per_page"],
    )
    return {
        "items": [resource_json(row, on) for row in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
    }


@blp.route("/temporary-resources/<int:resource_id>", methods=["GET"], endpoint="get_resource")
@blp.response(200, ResourceSchema)
def get_resource(resource_id: int) -> dict[str, Any]:
    """One resource with its status and overrun exposure as of today."""
    return _one(resource_id)


@blp.route("/temporary-resources", methods=["POST"], endpoint="create_resource")
@blp.arguments(ResourceCreateSchema)
@blp.response(201, ResourceSchema)
def create_resource(body: dict[str, Any]) -> dict[str, Any]:
    """Record a temporary resource (managers, DA, finance)."""
    team_code = body.pop("team", None)
    resource = resource_service.create_resource(g.api_user, team_code=team_code, **body)
    return _one(resource.id)


@blp.route("/temporary-resources/<int:resource_id>", methods=["PATCH"], endpoint="update_resource")
@blp.arguments(ResourcePatchSchema)
@blp.response(200, ResourceSchema)
def update_resource(body: dict[str, Any], resource_id: int) -> dict[str, Any]:
    """Record the actual end (owner), or an extension with its reason (DA or finance, not the owner)."""
    version = requested_version(body.pop("version", None))
    ending = "actual_end_date" in body
    extending = "extension_until" in body or "extension_reason" in body
    if ending == extending:
        raise ValidationFailed(
            {"_schema": ["Send either actual_end_date, or extension_until with extension_reason."]}
        )
    if ending:
        resource_service.end_resource(
            g.api_user, resource_id, actual_end_date=body["actual_end_date"], expected_version=version
        )
    else:
        resource_service.extend_resource(
            g.api_user,
            resource_id,
            extension_until=body.get("extension_until"),
            reason=body.get("extension_reason"),
            expected_version=version,
        )
    return _one(resource_id)
