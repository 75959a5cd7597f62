"""The Business cases endpoints of the API: record a new version, read the latest, submit a draft.

Money is integer pence; ``discount_rate`` is a fraction (0.035) and the optimism biases
(``optimism_bias_pct`` on costs, ``benefits_bias_pct``, ``duration_bias_pct``) percents. The five
cases are flat fields beside the options, the financial case's lines a list (``funding``).
``version`` is the business case's version number (1, 2, …). A create may send the latest version
it read (in the body or as ``If-Match``); if another version was made since, 409.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import g
from marshmallow import Schema, fields

from changeauth.domain.appraisal import (
    DEFAULT_APPRAISAL_YEARS,
    DEFAULT_DISCOUNT_RATE,
    OptionFigures,
    YearFigures,
)
from changeauth.domain.business_cases import CaseContent, FundingLine
from changeauth.domain.errors import NotFound
from changeauth.queries import business_cases as case_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.services import business_cases as case_service
from changeauth.web.api.schemas import Blueprint, StrictSchema, requested_version

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


class FundingLineSchema(StrictSchema):
    """One line of the financial case, in and out."""

    financial_year = fields.Integer(
        required=True, strict=True, metadata={"description": "The year it starts: 2025 is 2025/26"}
    )
    capital_pence = _pence()
    revenue_pence = _pence()
    source = fields.String(required=True, metadata={"description": "A budget, reserve, grant or borrowing"})


def _optional_text(description: str) -> fields.String:
    return fields.String(load_default="", metadata={"description": description})


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
    optimism_bias_pct = fields.Decimal(
        load_default=Decimal(0), metadata={"description": "On costs: a percent, 0–200"}
    )
    benefits_bias_pct = fields.Decimal(
        load_default=Decimal(0), metadata={"description": "On benefits (reduced): a percent, 0–100"}
    )
    duration_bias_pct = fields.Decimal(
        load_default=Decimal(0), metadata={"description": "On duration (benefits delayed): a percent, 0–200"}
    )
    optimism_bias_justification = _optional_text("Why these optimism bias figures")
    price_base_year = fields.Integer(
        strict=True, load_default=None, allow_none=True, metadata={"description": "2025 for 2025/26 prices"}
    )
    procurement_route = _optional_text("Commercial case")
    contract_terms = _optional_text("Commercial case: the contract")
    risk_transfer = _optional_text("Commercial case: which risks pass to whom")
    commercial_notes = _optional_text("Commercial case: anything else")
    funding = fields.List(fields.Nested(FundingLineSchema), load_default=list)
    delivery_arrangements = _optional_text("Management case: who delivers")
    milestones = _optional_text("Management case")
    benefits_realisation = _optional_text("Management case: benefits realisation arrangements")
    evaluation = _optional_text("Management case: evaluation arrangements")
    appraisal_years = fields.Integer(
        strict=True,
        load_default=DEFAULT_APPRAISAL_YEARS,
        metadata={"description": "Years a recurring benefit is appraised over, 1–60; 10 by default"},
    )
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
    discounted_payback_years = fields.Float(required=True, allow_none=True)


class YearOutSchema(Schema):
    year = fields.Integer(required=True)
    capital_pence = fields.Integer(required=True)
    revenue_pence = fields.Integer(required=True)
    cashable_benefit_pence = fields.Integer(required=True)
    non_cashable_benefit_pence = fields.Integer(required=True)


class OptionSchema(Schema):
    """Dumps an ``AppraisedOption``: its figures as entered, their appraisal, and its NPV relative to
    business as usual (the NPV of the difference)."""

    name = fields.String(required=True, attribute="figures.name")
    is_business_as_usual = fields.Boolean(required=True, attribute="figures.is_business_as_usual")
    is_preferred = fields.Boolean(required=True)
    years = fields.List(fields.Nested(YearOutSchema), required=True, attribute="figures.years")
    appraisal = fields.Nested(AppraisalSchema, required=True)
    npv_vs_business_as_usual_pence = fields.Integer(required=True, attribute="relative.npv_pence")


class SensitivityRowSchema(Schema):
    label = fields.String(required=True)
    npv_vs_business_as_usual_pence = fields.Integer(required=True, attribute="npv_vs_baseline_pence")


class SensitivitySchema(Schema):
    """The preferred option's switching values (percents) and sensitivity table."""

    npv_vs_business_as_usual_pence = fields.Integer(required=True, attribute="npv_vs_baseline_pence")
    benefits_switching_pct = fields.Float(required=True, allow_none=True)
    costs_switching_pct = fields.Float(required=True, allow_none=True)
    ahead_without_benefits = fields.Boolean(required=True)
    rows = fields.List(fields.Nested(SensitivityRowSchema), required=True)


class AffordabilitySchema(Schema):
    """The financial case summed, against the preferred option's costs as entered."""

    capital_pence = fields.Integer(required=True)
    revenue_pence = fields.Integer(required=True)
    total_pence = fields.Integer(required=True)
    appraised_costs_pence = fields.Integer(required=True, allow_none=True)
    difference_pence = fields.Integer(required=True, allow_none=True)


class BusinessCaseSchema(Schema):
    """Dumps an ``AppraisedCase`` (``queries.business_cases.appraise_case``): the version's own columns
    from the case, its priorities, drivers, warnings and appraised options from the appraisal."""

    id = fields.Integer(required=True)
    improvement_id = fields.Integer(required=True, allow_none=True)
    version = fields.Integer(required=True)
    based_on_version = fields.Integer(required=True, allow_none=True)
    status = fields.String(required=True)
    kind = fields.String(required=True)
    strategic_fit = fields.String(required=True)
    strategic_priorities = fields.List(fields.String(), required=True, attribute="content.priority_codes")
    benefit_drivers = fields.List(fields.String(), required=True, attribute="content.driver_codes")
    risks = fields.String(required=True)
    reform_risk = fields.String(required=True)
    fte_change = fields.Float(required=True, allow_none=True)
    discount_rate = fields.Float(required=True)
    optimism_bias_pct = fields.Float(required=True)
    benefits_bias_pct = fields.Float(required=True)
    duration_bias_pct = fields.Float(required=True)
    optimism_bias_justification = fields.String(required=True)
    price_base_year = fields.Integer(required=True, allow_none=True)
    procurement_route = fields.String(required=True)
    contract_terms = fields.String(required=True)
    risk_transfer = fields.String(required=True)
    commercial_notes = fields.String(required=True)
    funding = fields.List(fields.Nested(FundingLineSchema), required=True, attribute="content.funding")
    affordability = fields.Nested(AffordabilitySchema, required=True)
    delivery_arrangements = fields.String(required=True)
    milestones = fields.String(required=True)
    benefits_realisation = fields.String(required=True)
    evaluation = fields.String(required=True)
    sensitivity = fields.Nested(SensitivitySchema, required=True, allow_none=True)
    appraisal_years = fields.Integer(required=True)
    # False: the case states its costs as a one-off investment and running costs, not split, so each
    # year's cost is held in capital_pence and means that cost, not capital.
    costs_split = fields.Boolean(required=True)
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

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        source = obj if attr.partition(".")[0] in _APPRAISED else obj.case
        return super().get_attribute(source, attr, default)


# What the appraisal gathers beside the case's own columns.
_APPRAISED = frozenset({"content", "warnings", "options", "affordability", "sensitivity"})


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
        benefits_bias_pct=body["benefits_bias_pct"],
        duration_bias_pct=body["duration_bias_pct"],
        optimism_bias_justification=body["optimism_bias_justification"],
        price_base_year=body["price_base_year"],
        procurement_route=body["procurement_route"],
        contract_terms=body["contract_terms"],
        risk_transfer=body["risk_transfer"],
        commercial_notes=body["commercial_notes"],
        funding=tuple(FundingLine(**line) for line in body["funding"]),
        delivery_arrangements=body["delivery_arrangements"],
        milestones=body["milestones"],
        benefits_realisation=body["benefits_realisation"],
        evaluation=body["evaluation"],
        appraisal_years=body["appraisal_years"],
        fte_change=body["fte_change"],
        risks=body["risks"],
        reform_risk=body["reform_risk"],
        priority_codes=tuple(body["strategic_priorities"]),
        driver_codes=tuple(body["benefit_drivers"]),
    )


@blp.route("/improvements/<int:improvement_id>/business-cases", methods=["POST"])
@blp.arguments(BusinessCaseCreateSchema)
@blp.response(201, BusinessCaseSchema)
def create(body: dict[str, Any], improvement_id: int) -> case_queries.AppraisedCase:
    """Record a new version of the improvement's business case, a draft (owner or DA member)."""
    improvement = improvement_queries.get_improvement(improvement_id, g.api_user)
    case = case_service.create_business_case(
        g.api_user, improvement.id, _content(body), expected_version=requested_version(body["version"])
    )
    return case_queries.appraise_case(case_queries.get_case(case.id, g.api_user, fresh=True))


@blp.route("/improvements/<int:improvement_id>/business-cases/latest")
@blp.response(200, BusinessCaseSchema)
def latest(improvement_id: int) -> case_queries.AppraisedCase:
    """The newest version of the improvement's business case, with its status."""
    improvement = improvement_queries.get_improvement(improvement_id, g.api_user)
    case = case_queries.latest_for_improvement(improvement.id)
    if case is None:
        raise NotFound("This improvement has no business case yet.")
    return case_queries.appraise_case(case)


@blp.route("/business-cases/<int:case_id>/submit", methods=["POST"])
@blp.arguments(SubmitSchema)
@blp.response(200, BusinessCaseSchema)
def submit(body: dict[str, Any], case_id: int) -> case_queries.AppraisedCase:
    """Submit a draft for the investment decision (G1): the version is frozen from now on."""
    case = case_queries.get_case(case_id, g.api_user)
    case_service.submit_business_case(
        case, actor=g.api_user, expected_version=requested_version(body["version"])
    )
    return case_queries.appraise_case(case_queries.get_case(case.id, g.api_user, fresh=True))
