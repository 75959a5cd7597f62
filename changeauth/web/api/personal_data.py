"""``POST /users/{id}/personal-data-exports`` (administrators): a subject access export.

A POST, because each export is recorded in the audit log, with the reason given (the request it
answers), so the log shows who took it, about whom and why."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import Schema, fields, validate

from changeauth.domain import permissions
from changeauth.domain.errors import PermissionDenied
from changeauth.services import personal_data
from changeauth.web.api.schemas import Blueprint

blp = Blueprint(
    "personal_data_api", __name__, url_prefix="/api/v1", description="Personal data (subject access)"
)

SECTION_KEYS = (
    "ideas",
    "comments",
    "supports",
    "assessments",
    "decisions",
    "conditions",
    "conflicts",
    "attachments",
    "notifications",
    "sign_in_attempts",
    "second_factor_attempts",
    "security_events",
    "audit_log_actions",
    "api_tokens",
)


PersonalDataSchema = Schema.from_dict(
    {
        "exported_at": fields.String(required=True),
        "account": fields.Dict(required=True),
        **{key: fields.List(fields.Dict(), required=True) for key in SECTION_KEYS},
    },
    name="PersonalDataSchema",
)


class ExportArgsSchema(Schema):
    reason = fields.String(validate=validate.Length(max=500), load_default=None)


@blp.route("/users/<int:user_id>/personal-data-exports", methods=["POST"], endpoint="export_personal_data")
@blp.arguments(ExportArgsSchema, required=False)  # the reason is optional, so the body is too
@blp.response(201, PersonalDataSchema)
def export_personal_data(args: dict[str, Any], user_id: int) -> dict[str, Any]:
    """Everything held about one person, anonymous ideas included (administrators; audited)."""
    if not permissions.can_manage_users(g.api_user.as_actor()):
        raise PermissionDenied("Only administrators can export a person's data.")
    data = personal_data.export_person(
        user_id, actor_id=g.api_user.id, form=personal_data.ExportForm.API, reason=args.get("reason")
    )
    return data.as_json()
