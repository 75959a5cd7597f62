"""GET /me and GET /reference."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from changeauth.domain.lifecycle import GATE_NAMES, GATE_STAGE, Decision, Stage
from changeauth.queries import reference

blp = Blueprint("identity", __name__, url_prefix="/api/v1", description="Who am I, and the reference data")


class MeSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    team = fields.String(allow_none=True, required=True)


class CodeNameSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class PrioritySchema(Schema):
    code = fields.String(required=True)
    title = fields.String(required=True)


class ReferenceGateSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    from_stage = fields.String(required=True)


class ReferenceSchema(Schema):
    benefit_drivers = fields.List(fields.Nested(CodeNameSchema), required=True)
    teams = fields.List(fields.Nested(CodeNameSchema), required=True)
    strategic_priorities = fields.List(fields.Nested(PrioritySchema), required=True)
    stages = fields.List(fields.String(), required=True)
    gates = fields.List(fields.Nested(ReferenceGateSchema), required=True)
    decisions = fields.List(fields.String(), required=True)


@blp.route("/me")
@blp.response(200, MeSchema)
def me() -> dict[str, Any]:
    """The signed-in user."""
    user = g.api_user
    team_code = None
    if user.team_id is not None:
        team_code = next((t.code for t in reference.list_teams() if t.id == user.team_id), None)
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "roles": sorted(user.roles),
        "team": team_code,
    }


@blp.route("/reference")
@blp.response(200, ReferenceSchema)
def reference_data() -> dict[str, Any]:
    """Benefit drivers, teams, priorities, stages, gates and decisions."""
    return {
        "benefit_drivers": [{"code": d.code, "name": d.name} for d in reference.list_drivers()],
        "teams": [{"code": t.code, "name": t.name} for t in reference.list_teams()],
        "strategic_priorities": [{"code": p.code, "title": p.title} for p in reference.list_priorities()],
        "stages": [s.value for s in Stage],
        "gates": [
            {"code": g_.value, "name": GATE_NAMES[g_], "from_stage": GATE_STAGE[g_].value}
            for g_ in GATE_NAMES
        ],
        "decisions": [d.value for d in Decision],
    }
