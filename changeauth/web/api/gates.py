"""The Gates endpoints: what the current gate asks and who may decide, and recording a decision."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from changeauth.domain import permissions
from changeauth.domain.improvements import TEXT_MAX
from changeauth.domain.lifecycle import Decision, Gate, decisions_at
from changeauth.models import Condition, GateDecision
from changeauth.queries import clock
from changeauth.queries import gates as gate_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.services import gates, transitions
from changeauth.web.api.improvements import (
    TIMESTAMP,
    ImprovementSchema,
    fresh_json,
    load_improvement,
    requested_version,
)
from changeauth.web.api.schemas import StrictSchema

blp = Blueprint("gates_api", __name__, url_prefix="/api/v1", description="Stage gates and decisions")


class CriterionStatusSchema(Schema):
    code = fields.String(required=True)
    text = fields.String(required=True)
    kind = fields.String(required=True)
    met = fields.Boolean(required=True)
    detail = fields.String(allow_none=True, required=True)


class GateSchema(Schema):
    gate = fields.String(allow_none=True, required=True)
    criteria = fields.List(fields.Nested(CriterionStatusSchema), required=True)
    allowed_decisions = fields.List(fields.String(), required=True)
    quorum = fields.Integer(required=True)


class ConditionInputSchema(StrictSchema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    owner_id = fields.Integer(required=True)
    due_date = fields.Date(required=True)


class DecisionCreateSchema(StrictSchema):
    gate = fields.String(required=True, validate=validate.OneOf([g_.value for g_ in Gate]))
    decision = fields.String(required=True, validate=validate.OneOf([d.value for d in Decision]))
    rationale = fields.String(required=True, validate=validate.Length(max=TEXT_MAX))
    version = fields.Integer(validate=validate.Range(min=1))
    attendee_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1)), load_default=list, validate=validate.Length(max=50)
    )
    conditions = fields.List(
        fields.Nested(ConditionInputSchema), load_default=list, validate=validate.Length(max=50)
    )
    hold_until = fields.Date(load_default=None, allow_none=True)
    duplicate_of = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    owner_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    meeting_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))


class DecisionSchema(Schema):
    id = fields.Integer(required=True)
    gate = fields.String(required=True)
    decision = fields.String(required=True)
    rationale = fields.String(required=True)
    attendee_ids = fields.List(fields.Integer(), required=True)
    decided_by = fields.Integer(required=True)
    decided_at = fields.DateTime(format=TIMESTAMP, required=True)
    from_stage = fields.String(required=True)
    to_stage = fields.String(required=True)
    conditions = fields.List(fields.Nested("ConditionSchema"), required=True)


class ConditionSchema(Schema):
    id = fields.Integer(required=True)
    text = fields.String(required=True)
    owner_id = fields.Integer(required=True)
    due_date = fields.Date(required=True)
    status = fields.String(required=True)


class ConditionCloseSchema(StrictSchema):
    status = fields.String(required=True, validate=validate.OneOf(["met", "waived"]))
    note = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    version = fields.Integer(validate=validate.Range(min=1))


class DecisionResultSchema(Schema):
    decision = fields.Nested(DecisionSchema, required=True)
    improvement = fields.Nested(ImprovementSchema, required=True)


def _condition_json(condition: Condition) -> dict[str, Any]:
    return {
        "id": condition.id,
        "text": condition.text,
        "owner_id": condition.owner_id,
        "due_date": condition.due_date,
        "status": condition.status,
    }


def _decision_json(record: GateDecision, attendee_ids: list[int]) -> dict[str, Any]:
    return {
        "id": record.id,
        "gate": record.gate,
        "decision": record.decision,
        "rationale": record.rationale,
        "attendee_ids": attendee_ids,
        "decided_by": record.decided_by_id,
        "decided_at": record.decided_at,
        "from_stage": record.from_stage,
        "to_stage": record.to_stage,
        "conditions": [_condition_json(c) for c in record.conditions],
    }


@blp.route("/improvements/<int:improvement_id>/gate", methods=["GET"])
@blp.response(200, GateSchema)
def current_gate(improvement_id: int) -> dict[str, Any]:
    """The gate the improvement faces now, its criteria, and the decisions the caller may take."""
    improvement = load_improvement(improvement_id)
    gate, statuses = gates.gate_status(improvement, today=clock.today())
    facts = improvement.facts(improvement_queries.conflicted_user_ids(improvement.id))
    actor = g.api_user.as_actor()
    may_decide = gate is not None and (
        permissions.can_triage(actor, facts) if gate is Gate.G0 else permissions.can_decide_gate(actor, facts)
    )
    allowed = [d.value for d in decisions_at(gate)] if gate and may_decide else []
    return {
        "gate": gate.value if gate else None,
        "criteria": [
            {"code": st.code, "text": st.text, "kind": st.kind.value, "met": st.met, "detail": st.detail}
            for st in statuses
        ],
        "allowed_decisions": allowed,
        "quorum": 1 if gate is Gate.G0 else current_app.config["GATE_QUORUM"],
    }


@blp.route("/improvements/<int:improvement_id>/decisions", methods=["POST"])
@blp.arguments(DecisionCreateSchema)
@blp.response(201, DecisionResultSchema)
def decide(body: dict[str, Any], improvement_id: int) -> dict[str, Any]:
    """Record a gate decision (design authority members independent of the improvement)."""
    improvement = load_improvement(improvement_id)
    record = transitions.decide_gate(
        improvement,
        actor=g.api_user,
        gate=body["gate"],
        decision=body["decision"],
        rationale=body["rationale"],
        version=requested_version(body.get("version")),
        attendee_ids=body["attendee_ids"],
        hold_until=body["hold_until"],
        duplicate_of_id=body["duplicate_of"],
        owner_id=body["owner_id"],
        conditions=[transitions.ConditionInput(**item) for item in body["conditions"]],
        meeting_id=body["meeting_id"],
        rules=transitions.GateRules(quorum=current_app.config["GATE_QUORUM"]),
        today=clock.today(),
    )
    attendee_ids = (
        sorted({*body["attendee_ids"], g.api_user.id}) if body["gate"] != Gate.G0.value else [g.api_user.id]
    )
    return {"decision": _decision_json(record, attendee_ids), "improvement": fresh_json(improvement_id)}


@blp.route("/conditions/<int:condition_id>/close", methods=["POST"])
@blp.arguments(ConditionCloseSchema)
@blp.response(200, ConditionSchema)
def close_condition(body: dict[str, Any], condition_id: int) -> dict[str, Any]:
    """Close a condition as met (its owner) or waived (a design authority member), with a note."""
    condition = gate_queries.get_condition(condition_id, g.api_user)
    gates.close_condition(
        condition,
        actor=g.api_user,
        status=body["status"],
        note=body["note"],
        version=requested_version(body.get("version")),
    )
    return _condition_json(condition)
