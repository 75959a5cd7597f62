"""The Gates endpoints: what the current gate asks and who may decide, and recording a decision."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from flask import current_app, g
from marshmallow import Schema, fields, post_load, validate

from changeauth.domain import permissions
from changeauth.domain.gate_decisions import (
    ATTENDEES_MAX,
    CONDITION_TEXT_MAX,
    CONDITIONS_MAX,
    REASONS_MAX,
    ConditionInput,
    DecisionRequest,
)
from changeauth.domain.gates import CriterionStatus
from changeauth.domain.improvements import TEXT_MAX
from changeauth.domain.lifecycle import Decision, Gate, decisions_at
from changeauth.models import Condition
from changeauth.queries import clock
from changeauth.queries import gates as gate_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.services import gates, transitions
from changeauth.web.api.improvements import (
    TIMESTAMP,
    ImprovementSchema,
    fresh,
    load_improvement,
    requested_version,
)
from changeauth.web.api.schemas import Blueprint, StrictSchema

blp = Blueprint("gates_api", __name__, url_prefix="/api/v1", description="Stage gates and decisions")


class CriterionStatusSchema(Schema):
    """One criterion's standing (a ``domain.gates`` criterion status)."""

    code = fields.String(required=True)
    text = fields.String(required=True)
    kind = fields.String(required=True)
    met = fields.Boolean(required=True)
    detail = fields.String(allow_none=True, required=True)


class GateSchema(Schema):
    """The gate an improvement faces (a ``CurrentGate``)."""

    gate = fields.String(allow_none=True, required=True)
    criteria = fields.List(fields.Nested(CriterionStatusSchema), required=True)
    allowed_decisions = fields.List(fields.String(), required=True)
    quorum = fields.Integer(required=True)


class ConditionInputSchema(StrictSchema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=CONDITION_TEXT_MAX))
    owner_id = fields.Integer(required=True)
    due_date = fields.Date(required=True)

    @post_load
    def make_condition(self, data: dict[str, Any], **_kwargs: Any) -> ConditionInput:
        return ConditionInput(**data)


class DecisionCreateSchema(StrictSchema):
    gate = fields.String(required=True, validate=validate.OneOf([g_.value for g_ in Gate]))
    decision = fields.String(required=True, validate=validate.OneOf([d.value for d in Decision]))
    rationale = fields.String(required=True, validate=validate.Length(max=REASONS_MAX))
    version = fields.Integer(validate=validate.Range(min=1))
    attendee_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1)),
        load_default=list,
        validate=validate.Length(max=ATTENDEES_MAX),
    )
    conditions = fields.List(
        fields.Nested(ConditionInputSchema), load_default=list, validate=validate.Length(max=CONDITIONS_MAX)
    )
    hold_until = fields.Date(load_default=None, allow_none=True)
    duplicate_of = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    owner_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    meeting_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    # At G1: the business case version the quorum reviewed; a newer one is 409.
    business_case_version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))

    @post_load
    def make_request(self, data: dict[str, Any], **_kwargs: Any) -> DecisionRequest:
        """The decision as asked for; the view adds a version sent in If-Match instead of the body."""
        return DecisionRequest(
            gate=data["gate"],
            decision=data["decision"],
            rationale=data["rationale"],
            version=data.get("version"),
            attendee_ids=tuple(data["attendee_ids"]),
            hold_until=data["hold_until"],
            duplicate_of_id=data["duplicate_of"],
            owner_id=data["owner_id"],
            conditions=tuple(data["conditions"]),
            meeting_id=data["meeting_id"],
            business_case_version=data["business_case_version"],
        )


class DecisionSchema(Schema):
    """A ``GateDecision`` record, with its attendees and conditions loaded."""

    id = fields.Integer(required=True)
    gate = fields.String(required=True)
    decision = fields.String(required=True)
    rationale = fields.String(required=True)
    attendee_ids = fields.List(fields.Integer(), required=True)
    decided_by = fields.Integer(required=True, attribute="decided_by_id")
    decided_at = fields.DateTime(format=TIMESTAMP, required=True)
    from_stage = fields.String(required=True)
    to_stage = fields.String(required=True)
    conditions = fields.List(fields.Nested("ConditionSchema"), required=True)


class ConditionSchema(Schema):
    """A ``Condition`` of a conditional go."""

    id = fields.Integer(required=True)
    text = fields.String(required=True)
    owner_id = fields.Integer(required=True)
    due_date = fields.Date(required=True)
    status = fields.String(required=True)


class ConditionCloseSchema(StrictSchema):
    status = fields.String(required=True, validate=validate.OneOf(["met", "waived"]))
    note = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    version = fields.Integer(validate=validate.Range(min=1))


@dataclass(frozen=True)
class CurrentGate:
    gate: Gate | None
    criteria: Sequence[CriterionStatus]
    allowed_decisions: list[Decision]
    quorum: int


class DecisionResultSchema(Schema):
    decision = fields.Nested(DecisionSchema, required=True)
    improvement = fields.Nested(ImprovementSchema, required=True)


@blp.route("/improvements/<int:improvement_id>/gate", methods=["GET"])
@blp.response(200, GateSchema)
def current_gate(improvement_id: int) -> CurrentGate:
    """The gate the improvement faces now, its criteria, and the decisions the caller may take."""
    improvement = load_improvement(improvement_id)
    gate, statuses = gates.gate_status(improvement, today=clock.today())
    facts = improvement_queries.access_to(improvement, g.api_user).improvement
    actor = g.api_user.as_actor()
    may_decide = gate is not None and (
        permissions.can_triage(actor, facts) if gate is Gate.G0 else permissions.can_decide_gate(actor, facts)
    )
    allowed = list(decisions_at(gate)) if gate and may_decide else []
    return CurrentGate(
        gate=gate,
        criteria=statuses,
        allowed_decisions=allowed,
        quorum=1 if gate is Gate.G0 else current_app.config["GATE_QUORUM"],
    )


@blp.route("/improvements/<int:improvement_id>/decisions", methods=["POST"])
@blp.arguments(DecisionCreateSchema)
@blp.response(201, DecisionResultSchema)
def decide(body: DecisionRequest, improvement_id: int) -> dict[str, Any]:
    """Record a gate decision (design authority members independent of the improvement)."""
    improvement = load_improvement(improvement_id)
    body = replace(body, version=requested_version(body.version))
    record = transitions.decide_gate(
        improvement,
        body,
        actor=g.api_user,
        rules=transitions.GateRules(quorum=current_app.config["GATE_QUORUM"]),
        today=clock.today(),
    )
    return {"decision": record, "improvement": fresh(improvement_id)}


@blp.route("/conditions/<int:condition_id>/close", methods=["POST"])
@blp.arguments(ConditionCloseSchema)
@blp.response(200, ConditionSchema)
def close_condition(body: dict[str, Any], condition_id: int) -> Condition:
    """Close a condition as met (its owner) or waived (a design authority member), with a note."""
    condition = gate_queries.get_condition(condition_id, g.api_user)
    gates.close_condition(
        condition,
        actor=g.api_user,
        status=body["status"],
        note=body["note"],
        expected_version=requested_version(body.get("version")),
    )
    return condition
