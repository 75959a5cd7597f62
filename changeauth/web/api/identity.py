"""GET /me and GET /reference."""

from __future__ import annotations

from typing import Any, cast

from flask import g
from marshmallow import Schema, fields

from changeauth.domain.lifecycle import GATE_NAMES, GATE_STAGE, Decision, Stage
from changeauth.models import User
from changeauth.queries import reference
from changeauth.web.api.schemas import Blueprint

blp = Blueprint("identity", __name__, url_prefix="/api/v1", description="Who am I, and the reference data")


class MeSchema(Schema):
    """Dumps the signed-in ``User``: roles in order, and the code of their team."""

    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    team = fields.String(allow_none=True, required=True)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "roles":
            return sorted(obj.roles)
        if attr == "team":
            if obj.team_id is None:
                return None
            return next((t.code for t in reference.list_teams() if t.id == obj.team_id), None)
        return super().get_attribute(obj, attr, default)


class CodeNameSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class PrioritySchema(Schema):
    code = fields.String(required=True)
    title = fields.String(required=True)


class ReferenceGateSchema(Schema):
    """Dumps a ``Gate``: its code, its name and the stage it is decided from."""

    code = fields.String(required=True, attribute="value")
    name = fields.String(required=True)
    from_stage = fields.String(required=True)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "name":
            return GATE_NAMES[obj]
        if attr == "from_stage":
            return GATE_STAGE[obj]
        return super().get_attribute(obj, attr, default)


class ReferenceSchema(Schema):
    benefit_drivers = fields.List(fields.Nested(CodeNameSchema), required=True)
    teams = fields.List(fields.Nested(CodeNameSchema), required=True)
    strategic_priorities = fields.List(fields.Nested(PrioritySchema), required=True)
    stages = fields.List(fields.String(), required=True)
    gates = fields.List(fields.Nested(ReferenceGateSchema), required=True)
    decisions = fields.List(fields.String(), required=True)


@blp.route("/me")
@blp.response(200, MeSchema)
def me() -> User:
    """The signed-in user."""
    return cast(User, g.api_user)


@blp.route("/reference")
@blp.response(200, ReferenceSchema)
def reference_data() -> dict[str, Any]:
    """Benefit drivers, teams, priorities, stages, gates and decisions."""
    return {
        "benefit_drivers": reference.list_drivers(),
        "teams": reference.list_teams(),
        "strategic_priorities": reference.list_priorities(),
        "stages": list(Stage),
        "gates": list(GATE_NAMES),
        "decisions": list(Decision),
    }
