"""The Temporary resources endpoints of the API (docs/api.md)."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import Schema, fields, validate

from changeauth.domain import temporary_resources as rules
from changeauth.domain.errors import ValidationFailed
from changeauth.queries import temporary_resources as resource_queries
from changeauth.queries.clock import today
from changeauth.queries.pagination import Page
from changeauth.services import temporary_resources as resource_service
from changeauth.web.api.benefits import TIMESTAMP, requested_version, require_tracker_access
from changeauth.web.api.schemas import Blueprint, PageArgsSchema, PageSchema, StrictSchema

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
    """A temporary resource with its standing on a day (``queries.temporary_resources.ResourceRow``)."""

    id = fields.Integer(required=True, attribute="resource.id")
    role_title = fields.String(required=True, attribute="resource.role_title")
    team = fields.String(allow_none=True, required=True, attribute="resource.team_code")
    improvement_id = fields.Integer(allow_none=True, required=True, attribute="resource.improvement_id")
    programme_id = fields.Integer(allow_none=True, required=True, attribute="resource.programme_id")
    kind = fields.String(required=True, attribute="resource.kind")
    annual_cost_pence = fields.Integer(required=True, attribute="resource.annual_cost_pence")
    funding_source = fields.String(required=True, attribute="resource.funding_source")
    reason = fields.String(required=True, attribute="resource.reason")
    start_date = fields.Date(required=True, attribute="resource.start_date")
    end_date = fields.Date(required=True, attribute="resource.end_date")
    extension_until = fields.Date(allow_none=True, required=True, attribute="resource.extension_until")
    extension_reason = fields.String(allow_none=True, required=True, attribute="resource.extension_reason")
    extended_by_id = fields.Integer(allow_none=True, required=True, attribute="resource.extended_by_id")
    actual_end_date = fields.Date(allow_none=True, required=True, attribute="resource.actual_end_date")
    effective_end_date = fields.Date(required=True, attribute="resource.effective_end")
    owner_id = fields.Integer(required=True, attribute="resource.owner_id")
    version = fields.Integer(required=True, attribute="resource.version")
    created_at = fields.DateTime(format=TIMESTAMP, required=True, attribute="resource.created_at")
    status = fields.String(required=True)
    days_overrun = fields.Integer(required=True)
    overrun_exposure_pence = fields.Integer(required=True, attribute="exposure_pence")
    as_of = fields.Date(required=True, attribute="on")


class ResourcePageSchema(PageSchema):
    items = fields.List(fields.Nested(ResourceSchema), required=True)


def _one(resource_id: int) -> resource_queries.ResourceRow:
    on = today()
    return resource_queries.describe(resource_queries.get_resource(resource_id), on)


@blp.route("/temporary-resources", methods=["GET"], endpoint="list_resources")
@blp.arguments(ResourceListArgsSchema, location="query")
@blp.response(200, ResourcePageSchema)
def list_resources(args: dict[str, Any]) -> Page[resource_queries.ResourceRow]:
    """The register, each with its status and overrun exposure as of today (or ``on``)."""
    require_tracker_access()
    on = args.get("on") or today()
    page = resource_queries.list_resources(
        resource_queries.ResourceFilters(
            status=args.get("status"), improvement_id=args.get("improvement_id")
        ),
        on=on,
        page=args["page"],
        per_page=args["per_page"],
    )
    return page


@blp.route("/temporary-resources/<int:resource_id>", methods=["GET"], endpoint="get_resource")
@blp.response(200, ResourceSchema)
def get_resource(resource_id: int) -> resource_queries.ResourceRow:
    """One resource with its status and overrun exposure as of today."""
    require_tracker_access()
    return _one(resource_id)


@blp.route("/temporary-resources", methods=["POST"], endpoint="create_resource")
@blp.arguments(ResourceCreateSchema)
@blp.response(201, ResourceSchema)
def create_resource(body: dict[str, Any]) -> resource_queries.ResourceRow:
    """Record a temporary resource (managers, DA, finance)."""
    team_code = body.pop("team", None)
    resource = resource_service.create_resource(g.api_user, team_code=team_code, **body)
    return _one(resource.id)


@blp.route("/temporary-resources/<int:resource_id>", methods=["PATCH"], endpoint="update_resource")
@blp.arguments(ResourcePatchSchema)
@blp.response(200, ResourceSchema)
def update_resource(body: dict[str, Any], resource_id: int) -> resource_queries.ResourceRow:
    """Record the actual end (owner), or an extension with its reason (DA or finance, not the owner)."""
    version = requested_version(body.pop("version", None))
    ending = "actual_end_date" in body
    extending = "extension_until" in body or "extension_reason" in body
    if ending == extending:
        raise ValidationFailed(
            {"_schema": ["Send either actual_end_date, or extension_until with extension_reason."]}
        )
    resource = resource_queries.get_resource(resource_id)
    if ending:
        resource_service.end_resource(
            resource, actor=g.api_user, actual_end_date=body["actual_end_date"], expected_version=version
        )
    else:
        resource_service.extend_resource(
            resource,
            actor=g.api_user,
            extension_until=body.get("extension_until"),
            reason=body.get("extension_reason"),
            expected_version=version,
        )
    return _one(resource_id)
