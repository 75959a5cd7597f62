"""The portfolio endpoints of the API: ``POST /portfolio/optimise`` (docs/api.md) and saved scenarios
(list, save, read, compare, mark as the agreed plan; described in the README)."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import Schema, fields, validate

from changeauth.domain import permissions
from changeauth.domain import portfolio as rules
from changeauth.domain.errors import PermissionDenied
from changeauth.models import PortfolioScenario
from changeauth.queries import portfolio as portfolio_queries
from changeauth.queries.pagination import Page
from changeauth.services import portfolio as portfolio_service
from changeauth.web import shared_views
from changeauth.web.api.improvements import TIMESTAMP, requested_version
from changeauth.web.api.schemas import Blueprint, PageArgsSchema, PageSchema, StrictSchema

blp = Blueprint("portfolio_api", __name__, url_prefix="/api/v1", description="Portfolio optimiser")

IDS = validate.Length(max=rules.MAX_FORCED)


class OptimiseSchema(StrictSchema):
    budget_pence = fields.Integer(
        required=True,
        strict=True,
        error_messages={"required": "Send the budget in whole pence.", "invalid": "Send whole pence."},
    )
    capacity = fields.Decimal(allow_none=True, allow_nan=False, load_default=None)
    objective = fields.String(
        required=True,
        validate=validate.OneOf([o.value for o in rules.Objective], error="Choose score or npv."),
    )
    cost_basis = fields.String(
        load_default=rules.CostBasis.FIRST_YEAR.value,
        validate=validate.OneOf([b.value for b in rules.CostBasis], error="Choose first_year or whole_life."),
    )
    force_in = fields.List(fields.Integer(strict=True), load_default=list, validate=IDS)
    force_out = fields.List(fields.Integer(strict=True), load_default=list, validate=IDS)


class ScenarioCreateSchema(OptimiseSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=rules.SCENARIO_NAME_MAX))


class SelectedSchema(Schema):
    id = fields.Integer(required=True)
    ref = fields.String(required=True)
    title = fields.String(required=True)
    cost_pence = fields.Integer(required=True)
    value = fields.Raw(required=True, metadata={"description": "points (score) or pence (npv)"})
    delivery_person_months = fields.Float(allow_none=True, required=True)
    included_because = fields.String(required=True, metadata={"description": "mandatory, forced_in, chosen"})


class ExcludedSchema(Schema):
    id = fields.Integer(required=True)
    ref = fields.String(required=True)
    title = fields.String(required=True)
    reason = fields.String(required=True, metadata={"description": ", ".join(r.value for r in rules.Reason)})
    detail = fields.String(required=True)
    cost_pence = fields.Integer(allow_none=True, required=True)
    value = fields.Raw(allow_none=True, required=True)
    delivery_person_months = fields.Float(allow_none=True, required=True)


class WaterlineSchema(Schema):
    id = fields.Integer(required=True)
    ref = fields.String(required=True)
    title = fields.String(required=True)
    cost_pence = fields.Integer(required=True)
    value = fields.Raw(required=True)
    delivery_person_months = fields.Float(allow_none=True, required=True)
    extra_budget_pence = fields.Integer(required=True)
    extra_capacity = fields.Float(allow_none=True, required=True)
    displace = fields.List(fields.Integer(), allow_none=True, required=True)
    displaced_value = fields.Raw(allow_none=True, required=True)
    summary = fields.String(required=True)


class ResultSchema(Schema):
    objective = fields.String(required=True)
    cost_basis = fields.String(required=True)
    budget_pence = fields.Integer(required=True)
    capacity = fields.Float(allow_none=True, required=True)
    selected = fields.List(fields.Nested(SelectedSchema), required=True)
    excluded = fields.List(fields.Nested(ExcludedSchema), required=True)
    total_cost_pence = fields.Integer(required=True)
    total_value = fields.Raw(required=True)
    budget_left_pence = fields.Integer(required=True)
    capacity_used = fields.Float(allow_none=True, required=True)
    capacity_left = fields.Float(allow_none=True, required=True)
    waterline = fields.Nested(WaterlineSchema, allow_none=True, required=True)
    proven_optimal = fields.Boolean(required=True)
    warnings = fields.List(fields.String(), required=True)


class InputsSchema(Schema):
    budget_pence = fields.Integer(required=True)
    capacity = fields.Float(allow_none=True, required=True)
    objective = fields.String(required=True)
    cost_basis = fields.String(required=True)
    force_in = fields.List(fields.Integer(), required=True)
    force_out = fields.List(fields.Integer(), required=True)


class ScenarioSummarySchema(Schema):
    """Dumps a ``PortfolioScenario``: its totals from the result saved with it."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    created_at = fields.DateTime(format=TIMESTAMP, required=True)
    created_by = fields.String(allow_none=True, required=True)
    is_agreed = fields.Boolean(required=True)
    agreed_at = fields.DateTime(format=TIMESTAMP, allow_none=True, required=True)
    version = fields.Integer(required=True)
    inputs = fields.Nested(InputsSchema, required=True)
    total_cost_pence = fields.Integer(required=True, attribute="result.total_cost_pence")
    total_value = fields.Raw(required=True, attribute="result.total_value")
    capacity_used = fields.Float(allow_none=True, required=True, attribute="result.capacity_used")
    selected_count = fields.Integer(required=True)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "created_by":
            return obj.created_by.name if obj.created_by else None
        if attr == "agreed_at":
            return obj.agreed_at if obj.is_agreed else None
        if attr == "selected_count":
            return len(obj.result["selected"])
        return super().get_attribute(obj, attr, default)


class ScenarioSchema(ScenarioSummarySchema):
    result = fields.Nested(ResultSchema, required=True)


class ScenarioPageSchema(PageSchema):
    items = fields.List(fields.Nested(ScenarioSummarySchema), required=True)


class AgreeSchema(StrictSchema):
    version = fields.Integer(strict=True, validate=validate.Range(min=1))


class CompareArgs(StrictSchema):
    ids = fields.List(fields.Integer(), required=True)


class ComparisonItemSchema(Schema):
    id = fields.Integer(required=True)
    ref = fields.String(required=True)
    title = fields.String(required=True)
    selected_in = fields.List(fields.Integer(), required=True, metadata={"description": "scenario ids"})
    differs = fields.Boolean(required=True)


class ComparisonSchema(Schema):
    scenarios = fields.List(fields.Nested(ScenarioSummarySchema), required=True)
    items = fields.List(fields.Nested(ComparisonItemSchema), required=True)


def _allow_reading() -> None:
    if not permissions.can_use_portfolio(g.api_user.as_actor()):
        raise PermissionDenied("The portfolio optimiser is for the design authority, viewers and admins.")


def _inputs(body: dict[str, Any]) -> dict[str, Any]:
    return {name: body[name] for name in ("budget_pence", "capacity", "objective", "cost_basis")} | {
        "force_in": body["force_in"],
        "force_out": body["force_out"],
    }


@blp.route("/portfolio/optimise", methods=["POST"])
@blp.arguments(OptimiseSchema)
@blp.response(200, ResultSchema)
def optimise(body: dict[str, Any]) -> dict[str, Any]:
    """The best set of approved and business-case improvements within the budget (and capacity)."""
    return portfolio_service.optimise(g.api_user, **_inputs(body), shared=shared_views.portfolio_runs)


@blp.route("/portfolio/scenarios", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ScenarioPageSchema)
def list_scenarios(args: dict[str, Any]) -> Page[Any]:
    """Saved scenarios, the agreed plan first, then newest first."""
    _allow_reading()
    page = portfolio_queries.list_scenarios(page=args["page"], per_page=args["per_page"])
    return page


@blp.route("/portfolio/scenarios", methods=["POST"])
@blp.arguments(ScenarioCreateSchema)
@blp.response(201, ScenarioSchema)
def save_scenario(body: dict[str, Any]) -> PortfolioScenario:
    """Run the optimiser and save the run under a name (DA, admin)."""
    scenario = portfolio_service.save_scenario(
        g.api_user, name=body["name"], **_inputs(body), shared=shared_views.portfolio_runs
    )
    return portfolio_queries.get_scenario(scenario.id)


@blp.route("/portfolio/scenarios/<int:scenario_id>", methods=["GET"])
@blp.response(200, ScenarioSchema)
def read_scenario(scenario_id: int) -> PortfolioScenario:
    """One saved scenario with its inputs and result as they were saved."""
    _allow_reading()
    scenario = portfolio_queries.get_scenario(scenario_id)
    return scenario


@blp.route("/portfolio/scenarios/<int:scenario_id>/agree", methods=["POST"])
@blp.arguments(AgreeSchema)
@blp.response(200, ScenarioSchema)
def agree(body: dict[str, Any], scenario_id: int) -> PortfolioScenario:
    """Mark the scenario as the agreed plan (DA); the plan agreed before stops being agreed."""
    scenario = portfolio_queries.get_scenario(scenario_id)
    portfolio_service.agree_scenario(
        scenario, actor=g.api_user, expected_version=requested_version(body.get("version"))
    )
    scenario = portfolio_queries.get_scenario(scenario_id)
    return scenario


@blp.route("/portfolio/scenarios/compare", methods=["GET"])
@blp.arguments(CompareArgs, location="query")
@blp.response(200, ComparisonSchema)
def compare(args: dict[str, Any]) -> dict[str, Any]:
    """Two to four scenarios side by side: their totals and the improvements selected in each."""
    _allow_reading()
    scenarios = portfolio_queries.get_scenarios(rules.check_comparison(args["ids"]))
    rows = rules.compare([scenario.result for scenario in scenarios])
    return {
        "scenarios": scenarios,
        "items": [
            {
                "id": row.id,
                "ref": row.ref,
                "title": row.title,
                "selected_in": [s.id for s, chosen in zip(scenarios, row.selected_in, strict=True) if chosen],
                "differs": row.differs,
            }
            for row in rows
        ],
    }
