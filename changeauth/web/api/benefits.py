"""The Benefits endpoints of the API: profiles on an improvement, measurements, like-for-like adjustments,
finance validation and the closing status (API.md "Benefits")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import current_app, g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from changeauth.domain import benefits as rules
from changeauth.models import Benefit, BenefitAdjustment, BenefitMeasurement
from changeauth.queries import benefits as benefit_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.queries.clock import today
from changeauth.services import benefits as benefit_service
from changeauth.web.api.schemas import PageArgsSchema, PageSchema, StrictSchema, requested_version

blp = Blueprint("benefits_api", __name__, url_prefix="/api/v1", description="Benefits realisation")

TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"
FREQUENCY_MESSAGE = "Choose monthly, quarterly, six_monthly or annually."


class DecimalNumber(fields.Decimal):
    """A decimal read from a JSON number (or numeric string) and written as a JSON number."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_nan=False, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> int | float | None:
        if value is None:
            return None
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number.normalize())


def _one_of(values: Any, message: str) -> validate.OneOf:
    return validate.OneOf([str(v) for v in values], error=message)


class BenefitCreateSchema(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    driver = fields.String(required=True)
    cash_class = fields.String(
        required=True, validate=_one_of(rules.CashClass, "Choose cashable, non_cashable or not_monetised.")
    )
    unit = fields.String(required=True, validate=validate.Length(min=1, max=40))
    direction = fields.String(
        required=True, validate=_one_of(rules.BenefitDirection, "Choose increase or decrease.")
    )
    baseline_value = DecimalNumber(required=True)
    baseline_date = fields.Date(required=True)
    target_value = DecimalNumber(required=True)
    target_date = fields.Date(required=True)
    frequency = fields.String(required=True, validate=_one_of(rules.Frequency, FREQUENCY_MESSAGE))
    owner_id = fields.Integer(required=True, strict=True)
    tolerance_pct = DecimalNumber(validate=validate.Range(min=0, max=100))


class BenefitPatchSchema(StrictSchema):
    title = fields.String(validate=validate.Length(min=3, max=200))
    driver = fields.String()
    cash_class = fields.String(
        validate=_one_of(rules.CashClass, "Choose cashable, non_cashable or not_monetised.")
    )
    unit = fields.String(validate=validate.Length(min=1, max=40))
    direction = fields.String(validate=_one_of(rules.BenefitDirection, "Choose increase or decrease."))
    baseline_value = DecimalNumber()
    baseline_date = fields.Date()
    target_value = DecimalNumber()
    target_date = fields.Date()
    frequency = fields.String(validate=_one_of(rules.Frequency, FREQUENCY_MESSAGE))
    owner_id = fields.Integer(strict=True)
    tolerance_pct = DecimalNumber(validate=validate.Range(min=0, max=100))
    closing_status = fields.String(
        validate=_one_of(rules.ClosingStatus, "Choose realised, partially_realised or not_realised.")
    )
    version = fields.Integer(strict=True, validate=validate.Range(min=1))


class MeasurementCreateSchema(StrictSchema):
    period_end = fields.Date(required=True)
    value = DecimalNumber(required=True)
    data_quality = fields.String(validate=_one_of(rules.DataQuality, "Choose measured, estimated or proxy."))
    note = fields.String(validate=validate.Length(max=2_000))


class AdjustmentCreateSchema(StrictSchema):
    category = fields.String(
        required=True,
        validate=_one_of(rules.AdjustmentCategory, "Choose a like-for-like adjustment category."),
    )
    amount_pence = fields.Integer(required=True, strict=True)
    rationale = fields.String(required=True, validate=validate.Length(min=1, max=10_000))


class ValidateSchema(StrictSchema):
    version = fields.Integer(strict=True, validate=validate.Range(min=1))


class BenefitListArgsSchema(PageArgsSchema):
    driver = fields.String()
    team = fields.String()
    owner_id = fields.Integer()
    rag = fields.String(validate=_one_of(rules.Rag, "Choose green, amber or red."))
    stale = fields.Boolean()
    improvement_id = fields.Integer()


class BenefitSchema(Schema):
    id = fields.Integer(required=True)
    improvement_id = fields.Integer(allow_none=True, required=True)
    programme_id = fields.Integer(allow_none=True, required=True)
    title = fields.String(required=True)
    driver = fields.String(required=True)
    cash_class = fields.String(required=True)
    unit = fields.String(required=True)
    direction = fields.String(required=True)
    baseline_value = DecimalNumber(required=True)
    baseline_date = fields.Date(required=True)
    target_value = DecimalNumber(required=True)
    target_date = fields.Date(required=True)
    frequency = fields.String(required=True)
    owner_id = fields.Integer(required=True)
    tolerance_pct = DecimalNumber(required=True)
    closing_status = fields.String(allow_none=True, required=True)
    validated_by_id = fields.Integer(allow_none=True, required=True)
    validated_at = fields.DateTime(format=TIMESTAMP, allow_none=True, required=True)
    version = fields.Integer(required=True)
    created_at = fields.DateTime(format=TIMESTAMP, required=True)
    updated_at = fields.DateTime(format=TIMESTAMP, required=True)
    next_due = fields.Date(required=True)
    is_stale = fields.Boolean(required=True)
    staleness = fields.String(required=True)
    is_tracked = fields.Boolean(required=True)
    rag = fields.String(allow_none=True, required=True)
    latest_value = DecimalNumber(allow_none=True, required=True)
    latest_period_end = fields.Date(allow_none=True, required=True)
    realised_gross = DecimalNumber(allow_none=True, required=True)
    realised_adjusted = DecimalNumber(allow_none=True, required=True)
    adjustments_total = fields.Integer(required=True)
    counts_as_realised = fields.Boolean(required=True)


class BenefitPageSchema(PageSchema):
    items = fields.List(fields.Nested(BenefitSchema), required=True)


class MeasurementSchema(Schema):
    id = fields.Integer(required=True)
    benefit_id = fields.Integer(required=True)
    period_end = fields.Date(required=True)
    value = DecimalNumber(required=True)
    data_quality = fields.String(required=True)
    note = fields.String(required=True)
    recorded_by_id = fields.Integer(allow_none=True, required=True)
    recorded_at = fields.DateTime(format=TIMESTAMP, required=True)


class MeasurementListSchema(PageSchema):
    items = fields.List(fields.Nested(MeasurementSchema), required=True)


class AdjustmentSchema(Schema):
    id = fields.Integer(required=True)
    benefit_id = fields.Integer(required=True)
    category = fields.String(required=True)
    amount_pence = fields.Integer(required=True)
    rationale = fields.String(required=True)
    recorded_by_id = fields.Integer(allow_none=True, required=True)
    recorded_at = fields.DateTime(format=TIMESTAMP, required=True)


class AdjustmentListSchema(PageSchema):
    items = fields.List(fields.Nested(AdjustmentSchema), required=True)


def _grace_days() -> int:
    return int(current_app.config["BENEFIT_GRACE_DAYS"])


def benefit_json(figures: benefit_queries.BenefitFigures) -> dict[str, Any]:
    b = figures.benefit
    return {
        "id": b.id,
        "improvement_id": b.improvement_id,
        "programme_id": b.programme_id,
        "title": b.title,
        "driver": b.driver.code,
        "cash_class": b.cash_class,
        "unit": b.unit,
        "direction": b.direction,
        "baseline_value": b.baseline_value,
        "baseline_date": b.baseline_date,
        "target_value": b.target_value,
        "target_date": b.target_date,
        "frequency": b.frequency,
        "owner_id": b.owner_id,
        "tolerance_pct": b.tolerance_pct,
        "closing_status": b.closing_status,
        "validated_by_id": b.validated_by_id,
        "validated_at": b.validated_at,
        "version": b.version,
        "created_at": b.created_at,
        "updated_at": b.updated_at,
        "next_due": figures.next_due,
        "is_stale": figures.is_stale,
        "staleness": figures.staleness.value,
        "is_tracked": figures.tracked,
        "rag": figures.rag,
        "latest_value": figures.latest_value,
        "latest_period_end": b.last_period_end,
        "realised_gross": figures.realised_gross,
        "realised_adjusted": figures.realised_adjusted,
        "adjustments_total": figures.adjustments_total,
        "counts_as_realised": figures.counts_as_realised,
    }


def _benefit_response(benefit: Benefit) -> dict[str, Any]:
    loaded = benefit_queries.get_benefit(benefit.id)
    return benefit_json(benefit_queries.benefit_figures(loaded, as_of=today(), grace_days=_grace_days()))


def _measurement_json(m: BenefitMeasurement) -> dict[str, Any]:
    return {
        "id": m.id,
        "benefit_id": m.benefit_id,
        "period_end": m.period_end,
        "value": m.value,
        "data_quality": m.data_quality,
        "note": m.note,
        "recorded_by_id": m.recorded_by_id,
        "recorded_at": m.recorded_at,
    }


def _adjustment_json(a: BenefitAdjustment) -> dict[str, Any]:
    return {
        "id": a.id,
        "benefit_id": a.benefit_id,
        "category": a.category,
        "amount_pence": a.amount_pence,
        "rationale": a.rationale,
        "recorded_by_id": a.recorded_by_id,
        "recorded_at": a.recorded_at,
    }


def _page_json(page: Any) -> dict[str, Any]:
    return {
        "items": [benefit_json(f) for f in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
    }


@blp.route("/improvements/<int:improvement_id>/benefits", methods=["GET"], endpoint="improvement_benefits")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, BenefitPageSchema)
def list_improvement_benefits(args: dict[str, Any], improvement_id: int) -> dict[str, Any]:
    """The benefits of one improvement."""
    improvement_queries.get_improvement(improvement_id, g.api_user)
    page = benefit_queries.list_benefits(
        benefit_queries.BenefitFilters(improvement_id=improvement_id),
        as_of=today(),
        grace_days=_grace_days(),
        page=args["page"],
        per_page=args["per_page"],
    )
    return _page_json(page)


@blp.route("/improvements/<int:improvement_id>/benefits", methods=["POST"], endpoint="create_benefit")
@blp.arguments(BenefitCreateSchema)
@blp.response(201, BenefitSchema)
def create_benefit(body: dict[str, Any], improvement_id: int) -> dict[str, Any]:
    """Add a benefit profile (the improvement's owner or a DA member)."""
    improvement_queries.get_improvement(improvement_id, g.api_user)
    benefit = benefit_service.create_benefit(g.api_user, improvement_id=improvement_id, **body)
    return _benefit_response(benefit)


@blp.route("/benefits", methods=["GET"], endpoint="list_benefits")
@blp.arguments(BenefitListArgsSchema, location="query")
@blp.response(200, BenefitPageSchema)
def list_benefits(args: dict[str, Any]) -> dict[str, Any]:
    """The council-wide tracker: filter by driver, team, owner, RAG or stale."""
    filters = benefit_queries.BenefitFilters(
        improvement_id=args.get("improvement_id"),
        driver=args.get("driver"),
        team=args.get("team"),
        owner_id=args.get("owner_id"),
        rag=args.get("rag"),
        stale=bool(args.get("stale")),
    )
    page = benefit_queries.list_benefits(
        filters, as_of=today(), grace_days=_grace_days(), page=args["page"], per_page=args["per_page"]
    )
    return _page_json(page)


@blp.route("/benefits/<int:benefit_id>", methods=["GET"], endpoint="get_benefit")
@blp.response(200, BenefitSchema)
def get_benefit(benefit_id: int) -> dict[str, Any]:
    """A benefit with its due date, staleness, RAG and realised values (gross and like-for-like)."""
    return benefit_json(
        benefit_queries.benefit_figures(
            benefit_queries.get_benefit(benefit_id), as_of=today(), grace_days=_grace_days()
        )
    )


@blp.route("/benefits/<int:benefit_id>", methods=["PATCH"], endpoint="update_benefit")
@blp.arguments(BenefitPatchSchema)
@blp.response(200, BenefitSchema)
def update_benefit(body: dict[str, Any], benefit_id: int) -> dict[str, Any]:
    """Edit the profile; at G3 set ``closing_status``. Send the version read (body or If-Match)."""
    version = requested_version(body.pop("version", None))
    benefit = benefit_service.update_benefit(g.api_user, benefit_id, changes=body, expected_version=version)
    return _benefit_response(benefit)


@blp.route("/benefits/<int:benefit_id>/measurements", methods=["GET"], endpoint="list_measurements")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, MeasurementListSchema)
def list_measurements(args: dict[str, Any], benefit_id: int) -> dict[str, Any]:
    """A benefit's measurements, oldest first, a page at a time like every list."""
    benefit_queries.get_benefit(benefit_id)
    return _page_of([_measurement_json(m) for m in benefit_queries.list_measurements(benefit_id)], args)


@blp.route("/benefits/<int:benefit_id>/measurements", methods=["POST"], endpoint="record_measurement")
@blp.arguments(MeasurementCreateSchema)
@blp.response(201, MeasurementSchema)
def record_measurement(body: dict[str, Any], benefit_id: int) -> dict[str, Any]:
    """Record a measurement (the benefit's owner or the improvement's owner); no future period ends."""
    measurement = benefit_service.record_measurement(g.api_user, benefit_id, **body)
    return _measurement_json(measurement)


@blp.route("/benefits/<int:benefit_id>/adjustments", methods=["GET"], endpoint="list_adjustments")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, AdjustmentListSchema)
def list_adjustments(args: dict[str, Any], benefit_id: int) -> dict[str, Any]:
    """A benefit's like-for-like adjustments, a page at a time like every list."""
    benefit_queries.get_benefit(benefit_id)
    return _page_of([_adjustment_json(a) for a in benefit_queries.list_adjustments(benefit_id)], args)


def _page_of(items: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
    # One benefit's records are few (a measurement a month at most), so the page is cut from all of them.
    page, per_page = args["page"], args["per_page"]
    start = (page - 1) * per_page
    return {"items": items[start : start + per_page], "page": page, "per_page": per_page, "total": len(items)}


@blp.route("/benefits/<int:benefit_id>/adjustments", methods=["POST"], endpoint="record_adjustment")
@blp.arguments(AdjustmentCreateSchema)
@blp.response(201, AdjustmentSchema)
def record_adjustment(body: dict[str, Any], benefit_id: int) -> dict[str, Any]:
    """Record a like-for-like adjustment (finance)."""
    return _adjustment_json(benefit_service.record_adjustment(g.api_user, benefit_id, **body))


@blp.route("/benefits/<int:benefit_id>/validate", methods=["POST"], endpoint="validate_benefit")
@blp.arguments(ValidateSchema)
@blp.response(200, BenefitSchema)
def validate_benefit(body: dict[str, Any], benefit_id: int) -> dict[str, Any]:
    """Finance validates a cashable benefit (not its owner)."""
    version = requested_version(body.get("version"))
    return _benefit_response(
        benefit_service.validate_benefit(g.api_user, benefit_id, expected_version=version)
    )
