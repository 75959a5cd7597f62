"""The gate decision's limits are defined once: the gate page's form, the triage form, the API's schema
and the service all refuse the same lengths and counts."""

from __future__ import annotations

from datetime import date

from wtforms.validators import Length

from changeauth.domain import gate_decisions
from changeauth.domain.gate_decisions import ConditionInput, DecisionRequest, limit_errors
from changeauth.web.api.gates import ConditionInputSchema, DecisionCreateSchema
from changeauth.web.gates.forms import ConditionRowForm, GateDecisionForm
from changeauth.web.triage.forms import TriageForm


def _form_max(form_class: type, name: str) -> int:
    field = getattr(form_class, name)
    lengths = [v for v in field.kwargs.get("validators", []) if isinstance(v, Length)]
    assert lengths, f"{form_class.__name__}.{name} has no length limit"
    return lengths[0].max


def _schema_max(schema_class: type, name: str) -> int:
    field = schema_class().fields[name]
    validators = field.validators
    return next(v.max for v in validators if hasattr(v, "max"))


def test_the_forms_take_their_limits_from_the_domain() -> None:
    assert _form_max(GateDecisionForm, "rationale") == gate_decisions.REASONS_MAX
    assert _form_max(TriageForm, "rationale") == gate_decisions.REASONS_MAX
    assert _form_max(ConditionRowForm, "text") == gate_decisions.CONDITION_TEXT_MAX


def test_the_schema_takes_its_limits_from_the_domain() -> None:
    assert _schema_max(DecisionCreateSchema, "rationale") == gate_decisions.REASONS_MAX
    assert _schema_max(DecisionCreateSchema, "attendee_ids") == gate_decisions.ATTENDEES_MAX
    assert _schema_max(DecisionCreateSchema, "conditions") == gate_decisions.CONDITIONS_MAX
    assert _schema_max(ConditionInputSchema, "text") == gate_decisions.CONDITION_TEXT_MAX


def test_the_service_refuses_what_the_limits_refuse() -> None:
    condition = ConditionInput("Publish the policy", 1, date(2027, 3, 31))
    within = DecisionRequest(
        gate="G1",
        decision="go_with_conditions",
        rationale="x" * gate_decisions.REASONS_MAX,
        version=1,
        attendee_ids=tuple(range(gate_decisions.ATTENDEES_MAX)),
        conditions=(condition,) * gate_decisions.CONDITIONS_MAX,
    )
    assert limit_errors(within) == {}
    beyond = DecisionRequest(
        gate="G1",
        decision="go_with_conditions",
        rationale="x" * (gate_decisions.REASONS_MAX + 1),
        version=1,
        attendee_ids=tuple(range(gate_decisions.ATTENDEES_MAX + 1)),
        conditions=(condition,) * (gate_decisions.CONDITIONS_MAX + 1),
    )
    assert set(limit_errors(beyond)) == {"rationale", "attendee_ids", "conditions"}


def test_the_schema_builds_the_request() -> None:
    loaded = DecisionCreateSchema().load(
        {
            "gate": "G1",
            "decision": "go_with_conditions",
            "rationale": "Because.",
            "attendee_ids": [2, 3],
            "conditions": [{"text": "Publish the policy", "owner_id": 4, "due_date": "2027-03-31"}],
        }
    )
    assert loaded == DecisionRequest(
        gate="G1",
        decision="go_with_conditions",
        rationale="Because.",
        version=None,
        attendee_ids=(2, 3),
        conditions=(ConditionInput("Publish the policy", 4, date(2027, 3, 31)),),
    )
