"""``GET /audit`` (admins and viewers) and ``GET /audit/verify`` (admins): the hash-chained audit log."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import Schema, fields, validate

from changeauth.domain import permissions
from changeauth.domain.errors import PermissionDenied
from changeauth.queries import activity
from changeauth.queries.pagination import Page
from changeauth.services import audit as audit_service
from changeauth.web.api.benefits import TIMESTAMP
from changeauth.web.api.schemas import Blueprint, PageArgsSchema, PageSchema

blp = Blueprint("audit_api", __name__, url_prefix="/api/v1", description="The audit log")


class AuditArgsSchema(PageArgsSchema):
    subject_type = fields.String(validate=validate.Length(min=1, max=40))
    subject_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class AuditEventSchema(Schema):
    id = fields.Integer(required=True)
    occurred_at = fields.DateTime(format=TIMESTAMP, required=True)
    actor_id = fields.Integer(allow_none=True, required=True)
    action = fields.String(required=True)
    subject_type = fields.String(required=True)
    subject_id = fields.Integer(allow_none=True, required=True)
    subject_version = fields.Integer(allow_none=True, required=True)
    before = fields.Dict(allow_none=True, required=True)
    after = fields.Dict(allow_none=True, required=True)
    reason = fields.String(allow_none=True, required=True)
    request_id = fields.String(allow_none=True, required=True)
    # Null for anyone but administrators (see docs/security.md, "Who sees what").
    prev_hash = fields.String(allow_none=True, required=True)
    row_hash = fields.String(allow_none=True, required=True)


class AuditPageSchema(PageSchema):
    items = fields.List(fields.Nested(AuditEventSchema), required=True)


class AuditVerifySchema(Schema):
    ok = fields.Boolean(required=True)
    events = fields.Integer(required=True)
    first_broken_id = fields.Integer(allow_none=True, required=True)


@blp.route("/audit", methods=["GET"], endpoint="list_audit")
@blp.arguments(AuditArgsSchema, location="query")
@blp.response(200, AuditPageSchema)
def list_audit(args: dict[str, Any]) -> Page[Any]:
    """Audit events, newest first; filter by subject type and subject id (admins and viewers)."""
    if not permissions.can_view_audit_log(g.api_user.as_actor()):
        raise PermissionDenied("Only administrators and viewers can read the audit log.")
    page = activity.list_audit_events(
        g.api_user,
        subject_type=args.get("subject_type"),
        subject_id=args.get("subject_id"),
        page=args["page"],
        per_page=args["per_page"],
    )
    return page


@blp.route("/audit/verify", methods=["GET"], endpoint="verify_audit")
@blp.response(200, AuditVerifySchema)
def verify_audit() -> dict[str, Any]:
    """Recompute the hash chain and report the first broken event, if any (administrators)."""
    if not permissions.can_verify_audit_chain(g.api_user.as_actor()):
        raise PermissionDenied("Only administrators can verify the audit log.")
    report = audit_service.verify_audit_chain()
    return {"ok": report.ok, "events": report.events, "first_broken_id": report.first_broken_id}
