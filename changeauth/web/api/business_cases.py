"""The Business cases endpoints of the API: record a new version, read the latest, submit a draft.

Money is integer pence; ``discount_rate`` is a fraction (0.035) and ``optimism_bias_pct`` a percent.
``version`` is the business case's version number (1, 2, …). A create may send the latest version
it read (in the body or as ``If-Match``); if another version was made since, 409.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from changeauth.domain.appraisal import DEFAULT_DISCOUNT_RATE, OptionFigures, YearFigures
from changeauth.domain.business_cases import CaseContent
from changeauth.domain.errors import NotFound
from changeauth.models import BusinessCase
from changeauth.queries import business_cases as case_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.services import business_cases as case_service
from changeauth.web.api.schemas import StrictSchema, requested_version

blp = Blueprint(
    "business_cases_api", __name__, url_prefix="/api/v1", description="Business cases, with options appraised"
)

TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"


class StrictBoolean(fields.Boolean):
    """Only JSON ``true`` or ``false``: not 1, "yes" or "true"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def _pence() -> fields.Integer:
    return fields.Integer(required=True, strict=True)


class YearSchema(StrictSchema):
    year = fields.Integer(required=True, strict=True)
    capital_pence = _pence()
    revenue_pence = _pence()
    cashable_benefit_pence = _pence()
    non_cashable_benefit_pence = _pence()


class OptionInSchema(StrictSchema):
    name = fields.String(required=True)
    is_business_as_usual = StrictBoolean(required=True)
    years = fields.List(fields.Nested(YearSchema), required=True)


class BusinessCaseCreateSchema(StrictSchema):
    kind = fields.String(required=True, metadata={"description": "outline or full"})
    strategic_fit = fields.String(required=True)
    risks = fields.String(required=True)
    reform_risk = fields.String(required=True, metadata={"description": "The strategic-variables note"})
    fte_change = fields.Decimal(
        required=True, allow_none=True, metadata={"description": "Negative for fewer posts"}
    )
    discount_rate = fields.Decimal(
        load_default=DEFAULT_DISCOUNT_RATE, metadata={"description": "A fraction, 0–0.2"}
    )
    optimism_bias_pct = fields.Decimal(load_default=Decimal(0), metadata={"description": "A percent, 0–200"})
    options = fields.List(fields.Nested(OptionInSchema), required=True)
    preferred_option = fields.String(
        required=True, metadata={"description": "The name of one of the options"}
    )
    preferred_reasons = fields.String(load_default="")
    strategic_priorities = fields.List(fields.String(), load_default=list)
    benefit_drivers = fields.List(fields.String(), load_default=list)
    version = fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        metadata={"description": "The latest version read (0: none)"},
    )


class SubmitSchema(StrictSchema):
    version = fields.Integer(strict=True, load_default=None, allow_none=True)


class AppraisalSchema(Schema):
    pv_costs_pence = fields.Integer(required=True)
    pv_benefits_pence = fields.Integer(required=True)
    npv_pence = fields.Integer(required=True)
    bcr = fields.Float(required=True, allow_none=True)
    payback_years = fields.Float(required=True, allow_none=True)


class YearOutSchema(Schema):
    year = fields.Integer(required=True)
    capital_pence = fields.Integer(required=True)
    revenue_pence = fields.Integer(required=True)
    cashable_benefit_pence = fields.Integer(required=True)
    non_cashable_benefit_pence = fields.Integer(required=True)


class OptionSchema(Schema):
    name = fields.String(required=True)
    is_business_as_usual = fields.Boolean(required=True)
    is_preferred = fields.Boolean(required=True)
    years = fields.List(fields.Nested(YearOutSchema), required=True)
    appraisal = fields.Nested(AppraisalSchema, required=True)


class BusinessCaseSchema(Schema):
    id = fields.Integer(required=True)
    improvement_id = fields.Integer(required=True, allow_none=True)
    version = fields.Integer(required=True)
    based_on_version = fields.Integer(required=True, allow_none=True)
    status = fields.String(required=True)
    kind = fields.String(required=True)
    strategic_fit = fields.String(required=True)
    strategic_priorities = fields.List(fields.String(), required=True)
    benefit_drivers = fields.List(fields.String(), required=True)
    risks = fields.String(required=True)
    reform_risk = fields.String(required=True)
    fte_change = fields.Float(required=True, allow_none=True)
    discount_rate = fields.Float(required=True)
    optimism_bias_pct = fields.Float(required=True)
    preferred_option = fields.String(required=True)
    preferred_reasons = fields.String(required=True)
    options = fields.List(fields.Nested(OptionSchema), required=True)
    warnings = fields.List(fields.String(), required=True)
    created_by_id = fields.Integer(required=True, allow_none=True)
    created_at = fields.DateTime(format=TIMESTAMP, required=True)
    submitted_at = fields.DateTime(format=TIMESTAMP, required=True, allow_none=True)
    approved_at = fields.DateTime(format=TIMESTAMP, required=True, allow_none=True)
    returned_at = fields.DateTime(format=TIMESTAMP, required=True, allow_none=True)
    return_reason = fields.String(required=True)


def _content(body: dict[str, Any]) -> CaseContent:
    return CaseContent(
        kind=body["kind"],
        options=tuple(
            OptionFigures(
                name=option["name"],
                is_business_as_usual=option["is_business_as_usual"],
                years=tuple(YearFigures(**year) for year in option["years"]),
            )
            for option in body["options"]
        ),
        preferred_option=body["preferred_option"],
        strategic_fit=body["strategic_fit"],
        preferred_reasons=body["preferred_reasons"],
        discount_rate=body["discount_rate"],
        optimism_bias_pct=body["optimism_bias_pct"],
        fte_change=body["fte_change"],
        risks=body["risks"],
        reform_risk=body["reform_risk"],
        priority_codes=tuple(body["strategic_priorities"]),
        driver_codes=tuple(body["benefit_drivers"]),
    )


def case_json(case: BusinessCase) -> dict[str, Any]:
    """The API's view of one version, each option with its appraisal."""
    appraised = case_queries.appraise_case(case)
    data = {
        name: getattr(case, name)
        for name in (
            "id", "improvement_id", "version", "based_on_version", "status", "kind", "strategic_fit", "risks",
            "reform_risk", "fte_change", "discount_rate", "optimism_bias_pct", "preferred_option",
            "preferred_reasons", "created_by_id", "created_at", "submitted_at", "approved_at", "returned_at",
            "return_reason",
        )
    }  # fmt: skip
    data.update(
        strategic_priorities=list(appraised.content.priority_codes),
        benefit_drivers=list(appraised.content.driver_codes),
        warnings=[appraised.business_as_usual_warning] if appraised.business_as_usual_warning else [],
        options=[
            {
                "name": option.figures.name,
                "is_business_as_usual": option.figures.is_business_as_usual,
                "is_preferred": option.is_preferred,
                "years": [vars(year) for year in option.figures.years],
                "appraisal": vars(option.appraisal),
            }
            for option in appraised.options
        ],
    )
    return data


@blp.route("/improvements/<int:improvement_id>/business-cases", methods=["POST"])
@blp.arguments(BusinessCaseCreateSchema)
@blp.response(201, BusinessCaseSchema)
def create(body: dict[str, Any], improvement_id: int) -> dict[str, Any]:
    """Record a new version of the improvement's business case, a draft (owner or DA member)."""
    improvement = improvement_queries.get_improvement(improvement_id, g.api_user)
    case = case_service.create_business_case(
        g.api_user, improvement.id, _content(body), expected_version=requested_version(body["version"])
    )
    return case_json(case_queries.get_case(case.id, g.api_user, fresh=True))


@blp.route("/improvements/<int:improvement_id>/business-cases/latest")
@blp.response(200, BusinessCaseSchema)
def latest(improvement_id: int) -> dict[str, Any]:
    """The newest version of the improvement's business case, with its status."""
    improvement = improvement_queries.get_improvement(improvement_id, g.api_user)
    case = case_queries.latest_for_improvement(improvement.id)
    if case is None:
        raise NotFound("This improvement has no business case yet.")
    return case_json(case)


@blp.route("/business-cases/<int:case_id>/submit", methods=["POST"])
@blp.arguments(SubmitSchema)
@blp.response(200, BusinessCaseSchema)
def submit(body: dict[str, Any], case_id: int) -> dict[str, Any]:
    """Submit a draft for the investment decision (G1): the version is frozen from now on."""
    case = case_queries.get_case(case_id, g.api_user)
    case_service.submit_business_case(
        g.api_user, case.id, expected_version=requested_version(body["version"])
    )
    return case_json(case_queries.get_case(case.id, g.api_user, fresh=True))
