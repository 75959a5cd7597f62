"""``GET /flags`` (everyone signed in) and ``GET /job-runs`` (admins and viewers)."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import Schema, fields, validate

from changeauth.domain import permissions
from changeauth.domain.errors import PermissionDenied
from changeauth.models.flag import FLAG_KINDS
from changeauth.queries import flags as flag_queries
from changeauth.queries.pagination import Page
from changeauth.web.api.benefits import TIMESTAMP
from changeauth.web.api.schemas import Blueprint, PageArgsSchema, PageSchema

blp = Blueprint("flags_api", __name__, url_prefix="/api/v1", description="Flags and scheduled job runs")


class FlagListArgsSchema(PageArgsSchema):
    kind = fields.String(validate=validate.OneOf(FLAG_KINDS, error="Choose a flag kind from the list."))
    status = fields.String(validate=validate.OneOf(["open", "resolved"], error="Choose open or resolved."))
    subject_type = fields.String(validate=validate.Length(max=40))
    subject_id = fields.Integer()


class FlagSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    subject_type = fields.String(required=True)
    subject_id = fields.Integer(required=True)
    severity = fields.String(required=True)
    raised_on = fields.Date(required=True)
    resolved_on = fields.Date(allow_none=True, required=True)
    message = fields.String(required=True)
    details = fields.Dict(required=True)


class FlagPageSchema(PageSchema):
    items = fields.List(fields.Nested(FlagSchema), required=True)


class JobRunArgsSchema(PageArgsSchema):
    job = fields.String(validate=validate.Length(max=60))


class JobRunSchema(Schema):
    id = fields.Integer(required=True)
    job = fields.String(required=True)
    period_key = fields.String(required=True)
    status = fields.String(required=True)
    started_at = fields.DateTime(format=TIMESTAMP, required=True)
    finished_at = fields.DateTime(format=TIMESTAMP, allow_none=True, required=True)
    counts = fields.Dict(required=True)
    error = fields.String(allow_none=True, required=True)


class JobRunPageSchema(PageSchema):
    items = fields.List(fields.Nested(JobRunSchema), required=True)


@blp.route("/flags", methods=["GET"], endpoint="list_flags")
@blp.arguments(FlagListArgsSchema, location="query")
@blp.response(200, FlagPageSchema)
def list_flags(args: dict[str, Any]) -> Page[Any]:
    """Flags raised by the scheduled jobs, open first; filter by kind, status and subject (those who may
    open the flags page: managers, the design authority, finance, viewers and administrators)."""
    if not permissions.can_view_benefits_and_resources(g.api_user.as_actor()):
        raise PermissionDenied(
            "Flags are for managers, the design authority, finance, viewers and administrators."
        )
    page = flag_queries.list_flags(
        flag_queries.FlagFilters(
            kind=args.get("kind"),
            status=args.get("status"),
            subject_type=args.get("subject_type"),
            subject_id=args.get("subject_id"),
        ),
        g.api_user,
        page=args["page"],
        per_page=args["per_page"],
    )
    return page


@blp.route("/job-runs", methods=["GET"], endpoint="list_job_runs")
@blp.arguments(JobRunArgsSchema, location="query")
@blp.response(200, JobRunPageSchema)
def list_job_runs(args: dict[str, Any]) -> Page[Any]:
    """Scheduled job runs with their counts, newest first (admins and viewers)."""
    if not permissions.can_view_job_runs(g.api_user.as_actor()):
        raise PermissionDenied("Only administrators and viewers can see job runs.")
    page = flag_queries.list_job_runs(job=args.get("job"), page=args["page"], per_page=args["per_page"])
    return page
