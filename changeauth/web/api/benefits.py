"""The Benefits endpoints of the API: profiles on an improvement, measurements, like-for-like adjustments,
finance validation and the closing status (docs/api.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from flask import current_app, g
from marshmallow import Schema, fields, validate

from changeauth.domain import benefits as rules
from changeauth.domain import permissions
from changeauth.domain.disbenefits import DisbenefitDetails
from changeauth.domain.errors import PermissionDenied, ValidationFailed
from changeauth.domain.savings import AdjustmentRecurrence, AdjustmentStatus
from changeauth.models import Benefit, BenefitAdjustment, BenefitChangeRequest, BenefitMeasurement, Disbenefit
from changeauth.queries import benefits as benefit_queries
from changeauth.queries import disbenefits as disbenefit_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.queries import staffing as staffing_queries
from changeauth.queries.clock import today
from changeauth.queries.pagination import Page
from changeauth.services import attribution as attribution_service
from changeauth.services import benefit_control
from changeauth.services import benefits as benefit_service
from changeauth.services import disbenefits as disbenefit_service
from changeauth.services import staffing as staffing_service
from changeauth.web.api.schemas import (
    AdjustmentConfirmSchema,
    Blueprint,
    PageArgsSchema,
    PageSchema,
    StrictSchema,
    requested_version,
    window,
)

blp = Blueprint("benefits_api", __name__, url_prefix="/api/v1", description="Benefits realisation")

TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"
FREQUENCY_MESSAGE = "Choose monthly, quarterly, six_monthly or annually."


class DecimalNumber(fields.Decimal):
    """A decimal read from a JSON number (or numeric string) and written as a JSON number."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_nan=False, **kwargs)

    # A JSON number rather than the string or Decimal marshmallow's Decimal field writes.
    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> int | float | None:  # type: ignore[override]
        if value is None:
            return None
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number.normalize())


def _one_of(values: Any, message: str) -> validate.OneOf:
    return validate.OneOf([str(v) for v in values], error=message)


QUALITY_MESSAGE = "Choose measured, estimated or proxy."
BASELINE_QUALITY = {
    "description": "How the baseline was arrived at: measured, estimated or proxy (null: not recorded). "
    "G2's baselines criterion needs measured, or a benefit finance has validated."
}
EVIDENCE_NOTE = {"description": "Where the figure comes from: a report, a system extract, a ledger."}
EVIDENCE_FILE = {
    "description": "An evidence file filed with the improvement's evidence (uploaded on its page), by its "
    "number; its download address is /attachments/{id} on the site."
}

UNIT_DESCRIPTION = {
    "description": "GBP (money; values in pence), count, %, hours, days, FTE, or the name of another unit. "
    "A name that means money (£, pounds, gbp) is refused: money is GBP."
}


SHAPE_MESSAGE = "Choose straight_line, stepped or custom."
MEASURE_TYPE_MESSAGE = "Choose level, per_period or cumulative."
SHAPE_DESCRIPTION = {
    "description": "How the planned value runs from the baseline to the target: straight_line (the "
    "default), stepped (the baseline until the first planned point, then each point's value from its date) "
    "or custom (straight from each planned point to the next)."
}
MEASURE_TYPE_DESCRIPTION = {
    "description": "What one measurement says: level (a reading at a date, such as cost per year; the "
    "default), per_period (the amount in the period; realised adds up every period's movement from the "
    "baseline) or cumulative (a running total; realised is the latest total's movement from the baseline)."
}
POINTS_DESCRIPTION = {
    "description": "A stepped or custom plan's points, each dated after the baseline date and before the "
    "target date, one per date (a straight line has none). Sent, the list replaces the plan's points."
}


class PlannedPointSchema(StrictSchema):
    """A stepped or custom plan's value planned for a date (a period end), in the benefit's unit."""

    period_end = fields.Date(required=True)
    planned_value = DecimalNumber(required=True)


class PlanFieldsSchema(StrictSchema):
    """The plan's shape, the measure type and the planned points, as the create and patch bodies take them
    (each optional: a new benefit is a straight-line level with no points when they are left out)."""

    profile_shape = fields.String(
        validate=_one_of(rules.ProfileShape, SHAPE_MESSAGE), metadata=SHAPE_DESCRIPTION
    )
    measure_type = fields.String(
        validate=_one_of(rules.MeasureType, MEASURE_TYPE_MESSAGE), metadata=MEASURE_TYPE_DESCRIPTION
    )
    planned_points = fields.List(
        fields.Nested(PlannedPointSchema),
        validate=validate.Length(max=rules.MAX_PLANNED_POINTS),
        metadata=POINTS_DESCRIPTION,
    )


def _as_points(body: dict[str, Any]) -> dict[str, Any]:
    """The body with its planned points as the service takes them: ``(date, value)`` pairs."""
    if "planned_points" in body:
        body["planned_points"] = [(p["period_end"], p["planned_value"]) for p in body["planned_points"]]
    return body


class BenefitCreateSchema(PlanFieldsSchema):
    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    driver = fields.String(required=True)
    cash_class = fields.String(
        required=True, validate=_one_of(rules.CashClass, "Choose cashable, non_cashable or not_monetised.")
    )
    unit = fields.String(required=True, validate=validate.Length(min=1, max=40), metadata=UNIT_DESCRIPTION)
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
    baseline_quality = fields.String(
        allow_none=True, validate=_one_of(rules.DataQuality, QUALITY_MESSAGE), metadata=BASELINE_QUALITY
    )
    baseline_evidence = fields.String(validate=validate.Length(max=2_000), metadata=EVIDENCE_NOTE)
    baseline_attachment_id = fields.Integer(strict=True, allow_none=True, metadata=EVIDENCE_FILE)


class BenefitPatchSchema(PlanFieldsSchema):
    title = fields.String(validate=validate.Length(min=3, max=200))
    driver = fields.String()
    cash_class = fields.String(
        validate=_one_of(rules.CashClass, "Choose cashable, non_cashable or not_monetised.")
    )
    unit = fields.String(validate=validate.Length(min=1, max=40), metadata=UNIT_DESCRIPTION)
    direction = fields.String(validate=_one_of(rules.BenefitDirection, "Choose increase or decrease."))
    baseline_value = DecimalNumber()
    baseline_date = fields.Date()
    target_value = DecimalNumber()
    target_date = fields.Date()
    frequency = fields.String(validate=_one_of(rules.Frequency, FREQUENCY_MESSAGE))
    owner_id = fields.Integer(strict=True)
    tolerance_pct = DecimalNumber(validate=validate.Range(min=0, max=100))
    baseline_quality = fields.String(
        allow_none=True, validate=_one_of(rules.DataQuality, QUALITY_MESSAGE), metadata=BASELINE_QUALITY
    )
    baseline_evidence = fields.String(validate=validate.Length(max=2_000), metadata=EVIDENCE_NOTE)
    baseline_attachment_id = fields.Integer(strict=True, allow_none=True, metadata=EVIDENCE_FILE)
    closing_status = fields.String(
        validate=_one_of(rules.ClosingStatus, "Choose realised, partially_realised or not_realised.")
    )
    reason = fields.String(
        validate=validate.Length(max=2_000),
        metadata={
            "description": "Why the profile changes, kept in the audit log. Once the business case is "
            "approved the baseline and target change only by a change request "
            "(POST /benefits/{id}/change-requests)."
        },
    )
    version = fields.Integer(strict=True, validate=validate.Range(min=1))


class AcceptSchema(StrictSchema):
    # The benefit's version as read; or an If-Match header.
    version = fields.Integer(strict=True, validate=validate.Range(min=1))


class ChangeRequestCreateSchema(StrictSchema):
    """A proposed new baseline or target; a value left out stays as it is."""

    baseline_value = DecimalNumber()
    baseline_date = fields.Date()
    target_value = DecimalNumber()
    target_date = fields.Date()
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2_000))
    # The benefit's version as read; or an If-Match header.
    version = fields.Integer(strict=True, validate=validate.Range(min=1))


class ChangeRequestDecisionSchema(StrictSchema):
    decision = fields.String(
        required=True, validate=validate.OneOf(["approve", "reject"], error="Choose approve or reject.")
    )
    note = fields.String(
        validate=validate.Length(max=2_000),
        metadata={"description": "Needed to reject; sent to the proposer."},
    )
    # The change request's version as read; or an If-Match header.
    version = fields.Integer(strict=True, validate=validate.Range(min=1))


class ChangeRequestSchema(Schema):
    """A ``BenefitChangeRequest``: the baseline and target proposed and the ones the benefit had, why,
    who proposed it, and the design authority's decision (null while pending)."""

    id = fields.Integer(required=True)
    benefit_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "pending, approved or rejected."})
    reason = fields.String(required=True)
    baseline_value = DecimalNumber(required=True)
    baseline_date = fields.Date(required=True)
    target_value = DecimalNumber(required=True)
    target_date = fields.Date(required=True)
    was_baseline_value = DecimalNumber(required=True)
    was_baseline_date = fields.Date(required=True)
    was_target_value = DecimalNumber(required=True)
    was_target_date = fields.Date(required=True)
    proposed_by_id = fields.Integer(allow_none=True, required=True)
    proposed_at = fields.DateTime(format=TIMESTAMP, required=True)
    decided_by_id = fields.Integer(allow_none=True, required=True)
    decided_at = fields.DateTime(format=TIMESTAMP, allow_none=True, required=True)
    decision_note = fields.String(required=True)
    version = fields.Integer(required=True)


class ChangeRequestListSchema(PageSchema):
    items = fields.List(fields.Nested(ChangeRequestSchema), required=True)


class MeasurementCreateSchema(StrictSchema):
    period_end = fields.Date(required=True)
    value = DecimalNumber(required=True)
    data_quality = fields.String(
        validate=_one_of(rules.DataQuality, QUALITY_MESSAGE),
        metadata={"description": "measured (the default), estimated or proxy."},
    )
    note = fields.String(validate=validate.Length(max=2_000))
    evidence = fields.String(validate=validate.Length(max=2_000), metadata=EVIDENCE_NOTE)
    attachment_id = fields.Integer(strict=True, allow_none=True, metadata=EVIDENCE_FILE)


class AdjustmentCreateSchema(StrictSchema):
    category = fields.String(
        required=True,
        validate=_one_of(rules.AdjustmentCategory, "Choose a like-for-like adjustment category."),
    )
    amount_pence = fields.Integer(required=True, strict=True)
    rationale = fields.String(required=True, validate=validate.Length(min=1, max=10_000))
    status = fields.String(validate=_one_of(AdjustmentStatus, "Choose proposed or confirmed."))
    recurrence = fields.String(validate=_one_of(AdjustmentRecurrence, "Choose recurring or one_off."))
    financial_year = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1990, max=2100))
    evidence = fields.String(validate=validate.Length(max=10_000))


class ValidateSchema(StrictSchema):
    version = fields.Integer(strict=True, validate=validate.Range(min=1))


class ReopenSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2_000))
    version = fields.Integer(strict=True, validate=validate.Range(min=1))


class BenefitListArgsSchema(PageArgsSchema):
    driver = fields.String()
    team = fields.String()
    owner_id = fields.Integer()
    rag = fields.String(validate=_one_of(rules.Rag, "Choose green, amber or red."))
    stale = fields.Boolean()
    improvement_id = fields.Integer()


class BenefitYearSchema(Schema):
    """A cashable saving in one financial year (``queries.savings.SavingYear``): planned, realised,
    one-off costs and net, and the budget reduction finance signed off (null until then)."""

    financial_year = fields.Integer(required=True, attribute="figures.year")
    label = fields.String(required=True, attribute="figures.label")
    planned_pence = fields.Integer(required=True, attribute="figures.planned_pence")
    realised_pence = fields.Integer(required=True, attribute="figures.realised_pence")
    adjustments_pence = fields.Integer(required=True, attribute="figures.adjustments_pence")
    one_off_cost_pence = fields.Integer(required=True, attribute="figures.one_off_cost_pence")
    net_pence = fields.Integer(required=True, attribute="figures.net_pence")
    taken_out_pence = fields.Integer(allow_none=True, required=True, attribute="figures.taken_out_pence")
    budget_line = fields.String(allow_none=True, required=True)
    taken_out_on = fields.Date(allow_none=True, required=True)
    taken_out_by = fields.String(allow_none=True, required=True)


class BenefitSchema(Schema):
    """A benefit with its figures as of today (``queries.benefits.BenefitFigures``)."""

    id = fields.Integer(required=True, attribute="benefit.id")
    improvement_id = fields.Integer(allow_none=True, required=True, attribute="benefit.improvement_id")
    programme_id = fields.Integer(allow_none=True, required=True, attribute="benefit.programme_id")
    title = fields.String(required=True, attribute="benefit.title")
    driver = fields.String(required=True, attribute="benefit.driver.code")
    cash_class = fields.String(required=True, attribute="benefit.cash_class")
    unit = fields.String(required=True, attribute="benefit.unit")
    direction = fields.String(required=True, attribute="benefit.direction")
    baseline_value = DecimalNumber(required=True, attribute="benefit.baseline_value")
    baseline_date = fields.Date(required=True, attribute="benefit.baseline_date")
    baseline_quality = fields.String(
        allow_none=True, required=True, attribute="benefit.baseline_quality", metadata=BASELINE_QUALITY
    )
    baseline_evidence = fields.String(
        required=True, attribute="benefit.baseline_evidence", metadata=EVIDENCE_NOTE
    )
    baseline_attachment_id = fields.Integer(
        allow_none=True, required=True, attribute="benefit.baseline_attachment_id", metadata=EVIDENCE_FILE
    )
    target_value = DecimalNumber(required=True, attribute="benefit.target_value")
    target_date = fields.Date(required=True, attribute="benefit.target_date")
    frequency = fields.String(required=True, attribute="benefit.frequency")
    owner_id = fields.Integer(required=True, attribute="benefit.owner_id")
    tolerance_pct = DecimalNumber(required=True, attribute="benefit.tolerance_pct")
    profile_shape = fields.String(
        required=True, attribute="benefit.profile_shape", metadata=SHAPE_DESCRIPTION
    )
    measure_type = fields.String(
        required=True, attribute="benefit.measure_type", metadata=MEASURE_TYPE_DESCRIPTION
    )
    planned_points = fields.List(
        fields.Nested(PlannedPointSchema), required=True, attribute="plan_points", metadata=POINTS_DESCRIPTION
    )
    shared_measure = fields.String(allow_none=True, required=True, attribute="benefit.shared_measure")
    share_pct = DecimalNumber(allow_none=True, required=True, attribute="benefit.share_pct")
    closing_status = fields.String(allow_none=True, required=True, attribute="benefit.closing_status")
    validated_by_id = fields.Integer(allow_none=True, required=True, attribute="benefit.validated_by_id")
    validated_at = fields.DateTime(
        format=TIMESTAMP, allow_none=True, required=True, attribute="benefit.validated_at"
    )
    accepted_by_id = fields.Integer(
        allow_none=True,
        required=True,
        attribute="benefit.accepted_by_id",
        metadata={"description": "Who accepted the profile as it stands; null while the owner has not."},
    )
    accepted_at = fields.DateTime(
        format=TIMESTAMP, allow_none=True, required=True, attribute="benefit.accepted_at"
    )
    is_accepted = fields.Boolean(
        required=True,
        attribute="benefit.is_accepted",
        metadata={"description": "Accepted by its current owner since its profile last changed."},
    )
    version = fields.Integer(required=True, attribute="benefit.version")
    created_at = fields.DateTime(format=TIMESTAMP, required=True, attribute="benefit.created_at")
    updated_at = fields.DateTime(format=TIMESTAMP, required=True, attribute="benefit.updated_at")
    next_due = fields.Date(required=True)
    is_stale = fields.Boolean(required=True)
    staleness = fields.String(required=True)
    is_tracked = fields.Boolean(required=True, attribute="tracked")
    rag = fields.String(allow_none=True, required=True)
    latest_value = DecimalNumber(allow_none=True, required=True)
    latest_period_end = fields.Date(allow_none=True, required=True, attribute="benefit.last_period_end")
    latest_quality = fields.String(
        allow_none=True,
        required=True,
        attribute="benefit.last_quality",
        metadata={"description": "How the latest value was arrived at: measured, estimated or proxy."},
    )
    realised_gross = DecimalNumber(allow_none=True, required=True)
    realised_adjusted = DecimalNumber(allow_none=True, required=True)
    adjustments_total = fields.Integer(required=True)
    counts_as_realised = fields.Boolean(required=True)
    years = fields.List(fields.Nested(BenefitYearSchema), required=True)


class BenefitPageSchema(PageSchema):
    items = fields.List(fields.Nested(BenefitSchema), required=True)


class MeasurementSchema(Schema):
    """A ``BenefitMeasurement``."""

    id = fields.Integer(required=True)
    benefit_id = fields.Integer(required=True)
    period_end = fields.Date(required=True)
    value = DecimalNumber(required=True)
    data_quality = fields.String(required=True)
    note = fields.String(required=True)
    evidence = fields.String(required=True, metadata=EVIDENCE_NOTE)
    attachment_id = fields.Integer(allow_none=True, required=True, metadata=EVIDENCE_FILE)
    recorded_by_id = fields.Integer(allow_none=True, required=True)
    recorded_at = fields.DateTime(format=TIMESTAMP, required=True)


class MeasurementListSchema(PageSchema):
    items = fields.List(fields.Nested(MeasurementSchema), required=True)


class AdjustmentSchema(Schema):
    """A ``BenefitAdjustment``."""

    id = fields.Integer(required=True)
    benefit_id = fields.Integer(required=True)
    category = fields.String(required=True)
    amount_pence = fields.Integer(required=True)
    rationale = fields.String(required=True)
    status = fields.String(required=True)
    counts = fields.Boolean(required=True)
    recurrence = fields.String(required=True)
    financial_year = fields.Integer(allow_none=True, required=True)
    evidence = fields.String(required=True)
    recorded_by_id = fields.Integer(allow_none=True, required=True)
    recorded_at = fields.DateTime(format=TIMESTAMP, required=True)


class AdjustmentListSchema(PageSchema):
    items = fields.List(fields.Nested(AdjustmentSchema), required=True)


def _grace_days() -> int:
    return int(current_app.config["BENEFIT_GRACE_DAYS"])


def _benefit_response(benefit: Benefit) -> benefit_queries.BenefitFigures:
    loaded = benefit_queries.get_benefit(benefit.id)
    return _with_years(benefit_queries.benefit_figures(loaded, as_of=today(), grace_days=_grace_days()))


def _with_years(figures: benefit_queries.BenefitFigures) -> benefit_queries.BenefitFigures:
    return benefit_queries.with_years([figures], as_of=today())[0]


def _page_with_years(page: Page[benefit_queries.BenefitFigures]) -> Page[benefit_queries.BenefitFigures]:
    return replace(page, items=benefit_queries.with_years(page.items, as_of=today()))


@blp.route("/improvements/<int:improvement_id>/benefits", methods=["GET"], endpoint="improvement_benefits")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, BenefitPageSchema)
def list_improvement_benefits(
    args: dict[str, Any], improvement_id: int
) -> Page[benefit_queries.BenefitFigures]:
    """The benefits of one improvement."""
    improvement_queries.get_improvement(improvement_id, g.api_user)
    page = benefit_queries.list_benefits(
        benefit_queries.BenefitFilters(improvement_id=improvement_id),
        as_of=today(),
        grace_days=_grace_days(),
        page=args["page"],
        per_page=args["per_page"],
    )
    return _page_with_years(page)


@blp.route("/improvements/<int:improvement_id>/benefits", methods=["POST"], endpoint="create_benefit")
@blp.arguments(BenefitCreateSchema)
@blp.response(201, BenefitSchema)
def create_benefit(body: dict[str, Any], improvement_id: int) -> benefit_queries.BenefitFigures:
    """Add a benefit profile (the improvement's owner or a DA member)."""
    improvement_queries.get_improvement(improvement_id, g.api_user)
    benefit = benefit_service.create_benefit(g.api_user, improvement_id=improvement_id, **_as_points(body))
    return _benefit_response(benefit)


def require_tracker_access() -> None:
    """The council-wide tracker, the temporary-resources register and the flags answer in the API to
    exactly whom their pages answer (``permissions.can_view_benefits_and_resources``)."""
    if not permissions.can_view_benefits_and_resources(g.api_user.as_actor()):
        raise PermissionDenied(
            "The benefits tracker, the temporary-resources register and the flags are for managers, the "
            "design authority, finance, viewers and administrators."
        )


@blp.route("/benefits", methods=["GET"], endpoint="list_benefits")
@blp.arguments(BenefitListArgsSchema, location="query")
@blp.response(200, BenefitPageSchema)
def list_benefits(args: dict[str, Any]) -> Page[benefit_queries.BenefitFigures]:
    """The council-wide tracker: filter by driver, team, owner, RAG or stale."""
    require_tracker_access()
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
    return _page_with_years(page)


@blp.route("/benefits/<int:benefit_id>", methods=["GET"], endpoint="get_benefit")
@blp.response(200, BenefitSchema)
def get_benefit(benefit_id: int) -> benefit_queries.BenefitFigures:
    """A benefit with its due date, staleness, RAG and realised values (gross and like-for-like)."""
    return _with_years(
        benefit_queries.benefit_figures(
            benefit_queries.get_benefit(benefit_id), as_of=today(), grace_days=_grace_days()
        )
    )


@blp.route("/benefits/<int:benefit_id>", methods=["PATCH"], endpoint="update_benefit")
@blp.arguments(BenefitPatchSchema)
@blp.response(200, BenefitSchema)
def update_benefit(body: dict[str, Any], benefit_id: int) -> benefit_queries.BenefitFigures:
    """Edit the profile; at G3 set ``closing_status``. Send the version read (body or If-Match)."""
    version = requested_version(body.pop("version", None))
    reason = body.pop("reason", None)
    benefit = benefit_service.update_benefit(
        benefit_id, actor=g.api_user, changes=_as_points(body), expected_version=version, reason=reason
    )
    return _benefit_response(benefit)


@blp.route("/benefits/<int:benefit_id>/measurements", methods=["GET"], endpoint="list_measurements")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, MeasurementListSchema)
def list_measurements(args: dict[str, Any], benefit_id: int) -> Page[Any]:
    """A benefit's measurements, oldest first, a page at a time like every list."""
    benefit_queries.get_benefit(benefit_id)
    return _page_of(benefit_queries.list_measurements(benefit_id), args)


@blp.route("/benefits/<int:benefit_id>/measurements", methods=["POST"], endpoint="record_measurement")
@blp.arguments(MeasurementCreateSchema)
@blp.response(201, MeasurementSchema)
def record_measurement(body: dict[str, Any], benefit_id: int) -> BenefitMeasurement:
    """Record a measurement (the benefit's owner or the improvement's owner); no future period ends."""
    measurement = benefit_service.record_measurement(benefit_id, actor=g.api_user, **body)
    return measurement


@blp.route("/benefits/<int:benefit_id>/adjustments", methods=["GET"], endpoint="list_adjustments")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, AdjustmentListSchema)
def list_adjustments(args: dict[str, Any], benefit_id: int) -> Page[Any]:
    """A benefit's like-for-like adjustments, a page at a time like every list."""
    benefit_queries.get_benefit(benefit_id)
    return _page_of(benefit_queries.list_adjustments(benefit_id), args)


def _page_of(items: Sequence[Any], args: dict[str, Any]) -> Page[Any]:
    # One benefit's records are few (a measurement a month at most), so the page is cut from all of them.
    return window(items, args["page"], args["per_page"])


@blp.route("/benefits/<int:benefit_id>/adjustments", methods=["POST"], endpoint="record_adjustment")
@blp.arguments(AdjustmentCreateSchema)
@blp.response(201, AdjustmentSchema)
def record_adjustment(body: dict[str, Any], benefit_id: int) -> BenefitAdjustment:
    """Record a like-for-like adjustment (finance)."""
    return benefit_service.record_adjustment(benefit_id, actor=g.api_user, **body)


@blp.route(
    "/benefits/<int:benefit_id>/adjustments/<int:adjustment_id>/confirm",
    methods=["POST"],
    endpoint="confirm_adjustment",
)
@blp.arguments(AdjustmentConfirmSchema)
@blp.response(200, AdjustmentSchema)
def confirm_adjustment(body: dict[str, Any], benefit_id: int, adjustment_id: int) -> BenefitAdjustment:
    """Confirm a proposed like-for-like adjustment with its evidence (finance), so it counts from now on;
    one already confirmed is 409."""
    return benefit_service.confirm_adjustment(
        benefit_id,
        adjustment_id,
        actor=g.api_user,
        evidence=body["evidence"],
        expected_version=requested_version(body.get("version")),
    )


@blp.route("/benefits/<int:benefit_id>/validate", methods=["POST"], endpoint="validate_benefit")
@blp.arguments(ValidateSchema)
@blp.response(200, BenefitSchema)
def validate_benefit(body: dict[str, Any], benefit_id: int) -> benefit_queries.BenefitFigures:
    """Finance validates a cashable benefit (not its owner)."""
    version = requested_version(body.get("version"))
    return _benefit_response(
        benefit_service.validate_benefit(benefit_id, actor=g.api_user, expected_version=version)
    )


@blp.route("/benefits/<int:benefit_id>/reopen", methods=["POST"], endpoint="reopen_benefit")
@blp.arguments(ReopenSchema)
@blp.response(200, BenefitSchema)
def reopen_benefit(body: dict[str, Any], benefit_id: int) -> benefit_queries.BenefitFigures:
    """An independent design authority member reopens a closed benefit before the benefits review, with
    the reason (send the version read, in the body or If-Match)."""
    version = requested_version(body.get("version"))
    return _benefit_response(
        benefit_service.reopen_benefit(
            benefit_id, actor=g.api_user, reason=body["reason"], expected_version=version
        )
    )


# --- Accountable owners and change control (services.benefit_control) ------------------------------------


@blp.route("/benefits/<int:benefit_id>/accept", methods=["POST"], endpoint="accept_benefit")
@blp.arguments(AcceptSchema)
@blp.response(200, BenefitSchema)
def accept_benefit(body: dict[str, Any], benefit_id: int) -> benefit_queries.BenefitFigures:
    """The benefit's owner accepts its profile as it stands (send the version read); one already accepted
    is 409."""
    benefit = benefit_control.accept_benefit(
        benefit_id, actor=g.api_user, expected_version=requested_version(body.get("version"))
    )
    return _benefit_response(benefit)


@blp.route("/benefits/<int:benefit_id>/change-requests", methods=["GET"], endpoint="list_change_requests")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ChangeRequestListSchema)
def list_change_requests(args: dict[str, Any], benefit_id: int) -> Page[Any]:
    """A benefit's change requests to its baseline or target, newest first."""
    benefit_queries.get_benefit(benefit_id)
    return _page_of(benefit_queries.change_requests(benefit_id), args)


@blp.route("/benefits/<int:benefit_id>/change-requests", methods=["POST"], endpoint="propose_change")
@blp.arguments(ChangeRequestCreateSchema)
@blp.response(201, ChangeRequestSchema)
def propose_change(body: dict[str, Any], benefit_id: int) -> BenefitChangeRequest:
    """Propose a new baseline or target once the business case is approved (the benefit's owner, the
    improvement's owner or the design authority), with the reason; nothing changes until the design
    authority approves it. A second while one is pending is 409."""
    version = requested_version(body.pop("version", None))
    return benefit_control.propose_plan_change(benefit_id, actor=g.api_user, expected_version=version, **body)


@blp.route(
    "/benefits/<int:benefit_id>/change-requests/<int:request_id>/decision",
    methods=["POST"],
    endpoint="decide_change",
)
@blp.arguments(ChangeRequestDecisionSchema)
@blp.response(200, ChangeRequestSchema)
def decide_change(body: dict[str, Any], benefit_id: int, request_id: int) -> BenefitChangeRequest:
    """A design authority member independent of the improvement, who neither proposed the change nor owns
    the benefit, approves (applied at once) or rejects it (with a note). Send the request's version."""
    return benefit_control.decide_plan_change(
        benefit_id,
        request_id,
        actor=g.api_user,
        approve=body["decision"] == "approve",
        note=body.get("note", ""),
        expected_version=requested_version(body.get("version")),
    )


# --- The like-for-like staffing register (services.staffing) ---------------------------------------------


class StaffingPostSchema(Schema):
    id = fields.Integer()
    side = fields.String()
    title = fields.String()
    grade = fields.String()
    annual_salary_pence = fields.Integer()
    fte = DecimalNumber()
    in_scope = fields.Boolean()
    note = fields.String()
    version = fields.Integer()


class StaffingFiguresSchema(Schema):
    fte_before = DecimalNumber()
    fte_after = DecimalNumber()
    fte_saved = DecimalNumber()
    cost_before_pence = fields.Integer()
    cost_after_pence = fields.Integer()
    saving_pence = fields.Integer()
    out_of_scope_fte_before = DecimalNumber()
    out_of_scope_fte_after = DecimalNumber()


class StaffingYearSchema(StaffingFiguresSchema):
    financial_year = fields.Integer()
    pay_award_pct = DecimalNumber(allow_none=True)


class StaffingRegisterSchema(Schema):
    price_base_year = fields.Integer(allow_none=True)
    employer_ni_pct = DecimalNumber(allow_none=True)
    pension_pct = DecimalNumber(allow_none=True)
    version = fields.Integer()
    posts = fields.List(fields.Nested(StaffingPostSchema))
    figures = fields.Nested(StaffingFiguresSchema, allow_none=True)
    by_year = fields.List(fields.Nested(StaffingYearSchema))


class StaffingPriceBaseSchema(StrictSchema):
    price_base_year = fields.Integer(required=True, strict=True)
    employer_ni_pct = DecimalNumber(required=True)
    pension_pct = DecimalNumber(required=True)
    version = fields.Integer(strict=True, validate=validate.Range(min=0))


class StaffingPostCreateSchema(StrictSchema):
    side = fields.String(required=True, validate=_one_of(["before", "after"], "Choose before or after."))
    title = fields.String(required=True, validate=validate.Length(max=200))
    grade = fields.String(required=True, validate=validate.Length(max=60))
    annual_salary_pence = fields.Integer(required=True, strict=True)
    fte = DecimalNumber(required=True)
    in_scope = fields.Boolean(required=True)
    note = fields.String(validate=validate.Length(max=2_000))


def _register_response(benefit_id: int) -> dict[str, Any]:
    register = staffing_queries.register_of(benefit_id)
    settings = register.staffing

    def figures(row: Any) -> dict[str, Any]:
        return {
            "fte_before": row.fte_before,
            "fte_after": row.fte_after,
            "fte_saved": row.fte_saved,
            "cost_before_pence": row.cost_before_pence,
            "cost_after_pence": row.cost_after_pence,
            "saving_pence": row.saving_pence,
            "out_of_scope_fte_before": row.out_of_scope_fte_before,
            "out_of_scope_fte_after": row.out_of_scope_fte_after,
        }

    return {
        "price_base_year": settings.price_base_year if settings else None,
        "employer_ni_pct": settings.employer_ni_pct if settings else None,
        "pension_pct": settings.pension_pct if settings else None,
        "version": settings.version if settings else 0,
        "posts": register.posts,
        "figures": figures(register.figures) if register.figures else None,
        "by_year": [
            {
                "financial_year": year,
                "pay_award_pct": register.pay_awards.get(year),
                **figures(row),
            }
            for year, row in register.by_year.items()
        ],
    }


@blp.route("/benefits/<int:benefit_id>/staffing", methods=["GET"], endpoint="get_staffing_register")
@blp.response(200, StaffingRegisterSchema)
def get_staffing_register(benefit_id: int) -> dict[str, Any]:
    """A staffing saving's like-for-like register: price base, on-costs, posts, the saving at the price
    base and restated at each year's pay."""
    benefit_queries.get_benefit(benefit_id)
    return _register_response(benefit_id)


@blp.route("/benefits/<int:benefit_id>/staffing", methods=["PUT"], endpoint="set_staffing_price_base")
@blp.arguments(StaffingPriceBaseSchema)
@blp.response(200, StaffingRegisterSchema)
def set_staffing_price_base(body: dict[str, Any], benefit_id: int) -> dict[str, Any]:
    """Set the register's price base and on-cost rates (the improvement's owner or the design authority);
    send the version read (0 the first time)."""
    staffing_service.set_price_base(
        benefit_id, actor=g.api_user, expected_version=body.pop("version", None), **body
    )
    return _register_response(benefit_id)


@blp.route("/benefits/<int:benefit_id>/staffing/posts", methods=["POST"], endpoint="add_staffing_post")
@blp.arguments(StaffingPostCreateSchema)
@blp.response(201, StaffingPostSchema)
def add_staffing_post(body: dict[str, Any], benefit_id: int) -> Any:
    """Add a post to the register, before or after the change, in scope or not."""
    return staffing_service.add_post(benefit_id, actor=g.api_user, **body)


class StaffingPostPatchSchema(StrictSchema):
    """A change to a post in the register: only what changes, with the post's version read."""

    side = fields.String(validate=_one_of(["before", "after"], "Choose before or after."))
    title = fields.String(validate=validate.Length(max=200))
    grade = fields.String(validate=validate.Length(max=60))
    annual_salary_pence = fields.Integer(strict=True)
    fte = DecimalNumber()
    in_scope = fields.Boolean()
    note = fields.String(validate=validate.Length(max=2_000))
    version = fields.Integer(
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": "The post's version read (or send If-Match)."},
    )


class StaffingPostRemoveSchema(StrictSchema):
    version = fields.Integer(
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": "The post's version read (or send If-Match)."},
    )


@blp.route(
    "/benefits/<int:benefit_id>/staffing/posts/<int:post_id>",
    methods=["PATCH"],
    endpoint="change_staffing_post",
)
@blp.arguments(StaffingPostPatchSchema)
@blp.response(200, StaffingPostSchema)
def change_staffing_post(body: dict[str, Any], benefit_id: int, post_id: int) -> Any:
    """Change a post in the register (the improvement's owner or the design authority): the saving is
    recomputed like for like. Send the post's version read (body or If-Match); a stale one is 409."""
    version = requested_version(body.pop("version", None))
    return staffing_service.change_post(
        benefit_id, post_id, actor=g.api_user, expected_version=version, changes=body
    )


@blp.route(
    "/benefits/<int:benefit_id>/staffing/posts/<int:post_id>",
    methods=["DELETE"],
    endpoint="remove_staffing_post",
)
@blp.arguments(StaffingPostRemoveSchema, required=False)  # the version may come in If-Match instead
@blp.response(204)
def remove_staffing_post(body: dict[str, Any], benefit_id: int, post_id: int) -> None:
    """Take a post out of the register (recorded by mistake); the audit log keeps what it was. Send the
    post's version read (body or If-Match); a stale one is 409."""
    staffing_service.remove_post(
        benefit_id, post_id, actor=g.api_user, expected_version=requested_version(body.get("version"))
    )


class AttributionSchema(StrictSchema):
    shared_measure = fields.String(required=True, allow_none=True, validate=validate.Length(max=200))
    share_pct = DecimalNumber(required=True, allow_none=True)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


@blp.route("/benefits/<int:benefit_id>/attribution", methods=["PUT"], endpoint="set_attribution")
@blp.arguments(AttributionSchema)
@blp.response(200, BenefitSchema)
def set_attribution(body: dict[str, Any], benefit_id: int) -> benefit_queries.BenefitFigures:
    """Name the measure the benefit shares and its improvement's share of it (null: none, not agreed)."""
    benefit = attribution_service.set_attribution(
        benefit_id,
        actor=g.api_user,
        expected_version=body["version"],
        shared_measure=body["shared_measure"],
        share_pct=body["share_pct"],
    )
    return _benefit_response(benefit)


# --- Dis-benefits (services.disbenefits) -----------------------------------------------------------------


class DisbenefitSchema(StrictSchema):
    """A dis-benefit, read and written in one shape: what it is, who it affects, its owner and mitigation,
    its status, the benefits it offsets (ids of its own improvement's or programme's benefits) and,
    when it is money, its value a year in pence (cashable or non-cashable) from ``starts_on`` to
    ``ends_on``. Only a cashable one comes off the net saving by financial year."""

    id = fields.Integer(dump_only=True)
    improvement_id = fields.Integer(dump_only=True, allow_none=True)
    programme_id = fields.Integer(dump_only=True, allow_none=True)
    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    description = fields.String(required=True, validate=validate.Length(min=1, max=5_000))
    affected = fields.String(
        required=True,
        validate=validate.Length(min=1, max=300),
        metadata={"description": "Who is affected."},
    )
    owner_id = fields.Integer(required=True, strict=True)
    mitigation = fields.String(required=True, validate=validate.Length(min=1, max=5_000))
    status = fields.String(
        load_default="open",
        validate=_one_of(["open", "mitigated", "closed"], "Choose open, mitigated or closed."),
    )
    offsets = fields.List(
        fields.Integer(strict=True),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "The ids of the benefits it offsets, of the same improvement or programme."},
    )
    annual_value_pence = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(min=1, max=2**53 - 1)
    )
    cash_class = fields.String(
        allow_none=True,
        load_default=None,
        validate=_one_of(["cashable", "non_cashable"], "Choose cashable or non_cashable."),
    )
    starts_on = fields.Date(allow_none=True, load_default=None)
    ends_on = fields.Date(allow_none=True, load_default=None)
    version = fields.Integer(
        strict=True,
        validate=validate.Range(min=1),
        metadata={
            "description": "The version read: needed to change one (or If-Match); not sent to record one."
        },
    )
    created_at = fields.DateTime(format=TIMESTAMP, dump_only=True)
    updated_at = fields.DateTime(format=TIMESTAMP, dump_only=True)


class DisbenefitListSchema(PageSchema):
    items = fields.List(fields.Nested(DisbenefitSchema), required=True)


def _disbenefit_details(body: dict[str, Any]) -> DisbenefitDetails:
    return DisbenefitDetails(
        title=body["title"],
        description=body["description"],
        affected=body["affected"],
        owner_id=body["owner_id"],
        mitigation=body["mitigation"],
        status=body["status"],
        offsets=tuple(body["offsets"]),
        annual_value_pence=body["annual_value_pence"],
        cash_class=body["cash_class"],
        starts_on=body["starts_on"],
        ends_on=body["ends_on"],
    )


def _disbenefit_response(disbenefit: Disbenefit) -> dict[str, Any]:
    """A dis-benefit just written, read again with what it offsets."""
    return _disbenefit_dict(disbenefit_queries.get_disbenefit(disbenefit.id))


def _disbenefit_dict(loaded: Disbenefit) -> dict[str, Any]:
    """A dis-benefit read with its offsets (``queries.disbenefits``), as ``DisbenefitSchema`` dumps it."""
    return {
        **{name: getattr(loaded, name) for name in disbenefit_service.AUDITED},
        "id": loaded.id,
        "improvement_id": loaded.improvement_id,
        "programme_id": loaded.programme_id,
        "offsets": [benefit.id for benefit in loaded.offsets],
        "version": loaded.version,
        "created_at": loaded.created_at,
        "updated_at": loaded.updated_at,
    }


def _disbenefit_seen(disbenefit_id: int) -> Disbenefit:
    """The dis-benefit, if the caller may see what it belongs to (404 otherwise)."""
    disbenefit = disbenefit_queries.get_disbenefit(disbenefit_id)
    if disbenefit.improvement_id is not None:
        improvement_queries.get_improvement(disbenefit.improvement_id, g.api_user)
    return disbenefit


@blp.route(
    "/improvements/<int:improvement_id>/disbenefits", methods=["GET"], endpoint="improvement_disbenefits"
)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, DisbenefitListSchema)
def list_improvement_disbenefits(args: dict[str, Any], improvement_id: int) -> Page[Any]:
    """The dis-benefits of one improvement, in the order they were recorded."""
    improvement_queries.get_improvement(improvement_id, g.api_user)
    rows = [_disbenefit_dict(d) for d in disbenefit_queries.of_improvement(improvement_id)]
    return window(rows, args["page"], args["per_page"])


@blp.route("/improvements/<int:improvement_id>/disbenefits", methods=["POST"], endpoint="record_disbenefit")
@blp.arguments(DisbenefitSchema)
@blp.response(201, DisbenefitSchema)
def record_disbenefit(body: dict[str, Any], improvement_id: int) -> dict[str, Any]:
    """Record a dis-benefit of the improvement (whoever may write its benefits: its owner or the design
    authority)."""
    improvement_queries.get_improvement(improvement_id, g.api_user)
    if "version" in body:
        raise ValidationFailed({"version": ["A new dis-benefit has no version yet: leave it out."]})
    disbenefit = disbenefit_service.record_disbenefit(
        g.api_user, improvement_id=improvement_id, details=_disbenefit_details(body)
    )
    return _disbenefit_response(disbenefit)


@blp.route("/disbenefits/<int:disbenefit_id>", methods=["GET"], endpoint="get_disbenefit")
@blp.response(200, DisbenefitSchema)
def get_disbenefit(disbenefit_id: int) -> dict[str, Any]:
    """One dis-benefit."""
    return _disbenefit_dict(_disbenefit_seen(disbenefit_id))


@blp.route("/disbenefits/<int:disbenefit_id>", methods=["PUT"], endpoint="change_disbenefit")
@blp.arguments(DisbenefitSchema)
@blp.response(200, DisbenefitSchema)
def change_disbenefit(body: dict[str, Any], disbenefit_id: int) -> dict[str, Any]:
    """Change a dis-benefit as a whole (send the version read, in the body or If-Match; a stale one is
    409)."""
    disbenefit = disbenefit_service.change_disbenefit(
        _disbenefit_seen(disbenefit_id),
        actor=g.api_user,
        expected_version=requested_version(body.get("version")),
        details=_disbenefit_details(body),
    )
    return _disbenefit_response(disbenefit)


class DisbenefitRemoveSchema(StrictSchema):
    # The dis-benefit's version, as read; or an If-Match header.
    version = fields.Integer(strict=True, load_default=None, allow_none=True, validate=validate.Range(min=1))


@blp.route("/disbenefits/<int:disbenefit_id>", methods=["DELETE"], endpoint="remove_disbenefit")
@blp.arguments(DisbenefitRemoveSchema)
@blp.response(204)
def remove_disbenefit(body: dict[str, Any], disbenefit_id: int) -> None:
    """Remove a dis-benefit recorded by mistake, with the version read (in the body or If-Match; a stale
    one is 409); audited."""
    disbenefit_service.remove_disbenefit(
        _disbenefit_seen(disbenefit_id),
        actor=g.api_user,
        expected_version=requested_version(body.get("version")),
    )
