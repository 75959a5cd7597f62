"""The benefits review and lessons endpoints: the review's decision on each benefit of an improvement
(with its variance against plan and causes), recording one, and the lessons log (docs/api.md). The rules
are ``services.reviews``'s, as on the pages."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from changeauth.domain.benefits import CLOSING_STATUSES
from changeauth.domain.reviews import (
    CAUSES_MAX,
    LESSON_TEXT_MAX,
    LESSON_TITLE_MAX,
    ReviewDecision,
)
from changeauth.models import Lesson
from changeauth.queries import reviews as review_queries
from changeauth.queries.pagination import Page
from changeauth.services import reviews as review_service
from changeauth.web.api.benefits import TIMESTAMP, DecimalNumber
from changeauth.web.api.improvements import load_improvement
from changeauth.web.api.schemas import (
    Blueprint,
    PageArgsSchema,
    PageSchema,
    StrictSchema,
    requested_version,
)

blp = Blueprint(
    "reviews_api", __name__, url_prefix="/api/v1", description="The benefits review and lessons learned"
)


class ReviewDecisionSchema(Schema):
    """The benefits review's decision on one benefit (a ``queries.reviews.ReviewRow`` with a decision):
    the variance it saw (values in the benefit's unit, pence for GBP; null when never measured), the
    causes, and whether the decision still holds (false once a closed benefit is reopened)."""

    benefit_id = fields.Integer(required=True, attribute="benefit.id")
    benefit_title = fields.String(required=True, attribute="benefit.title")
    unit = fields.String(required=True, attribute="benefit.unit")
    decision = fields.String(required=True, attribute="review.decision")
    causes = fields.String(required=True, attribute="review.causes")
    measured_on = fields.Date(allow_none=True, required=True, attribute="review.measured_on")
    planned_value = DecimalNumber(allow_none=True, required=True, attribute="review.planned_value")
    actual_value = DecimalNumber(allow_none=True, required=True, attribute="review.actual_value")
    variance = fields.Method("_variance", allow_none=True, required=True)
    closing_status = fields.String(allow_none=True, required=True, attribute="benefit.closing_status")
    holds = fields.Boolean(required=True, attribute="decided")
    decided_by = fields.String(required=True, attribute="review.decided_by.name")
    decided_at = fields.DateTime(format=TIMESTAMP, required=True, attribute="review.decided_at")
    benefit_version = fields.Integer(required=True, attribute="benefit.version")

    def _variance(self, row: review_queries.ReviewRow) -> int | float | None:
        review = row.review
        if review is None or review.planned_value is None or review.actual_value is None:
            return None
        return DecimalNumber()._serialize(review.actual_value - review.planned_value, None, None)


class ReviewDecisionListSchema(Schema):
    items = fields.List(fields.Nested(ReviewDecisionSchema), required=True)


class ReviewDecisionCreateSchema(StrictSchema):
    decision = fields.String(
        required=True,
        validate=validate.OneOf(
            [d.value for d in ReviewDecision], error="Choose continue, revise, close or hand_over."
        ),
    )
    causes = fields.String(load_default="", validate=validate.Length(max=CAUSES_MAX))
    # close: how far it was realised
    closing_status = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(
            sorted(CLOSING_STATUSES), error="Choose realised, partially_realised or not_realised."
        ),
    )
    # revise: the new target (in the benefit's unit, pence for GBP) and why
    target_value = DecimalNumber(load_default=None, allow_none=True)
    target_date = fields.Date(load_default=None, allow_none=True)
    reason = fields.String(load_default="", validate=validate.Length(max=2_000))
    # hand_over: the business-as-usual owner and the date
    owner_id = fields.Integer(load_default=None, allow_none=True)
    handed_over_on = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=validate.Length(max=2_000))
    # The benefit's version as read; or an If-Match header.
    version = fields.Integer(load_default=None, allow_none=True)


class LessonSchema(Schema):
    """One lesson in the lessons log; ``team`` is the area's code (null: the whole council) and the
    lesson comes from an improvement or a programme."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    what_happened = fields.String(required=True)
    next_time = fields.String(required=True)
    team = fields.String(allow_none=True, required=True, attribute="team.code")
    improvement_id = fields.Integer(allow_none=True, required=True)
    improvement_ref = fields.String(allow_none=True, required=True, attribute="improvement.ref")
    programme_id = fields.Integer(allow_none=True, required=True)
    recorded_by = fields.String(required=True, attribute="recorded_by.name")
    recorded_at = fields.DateTime(format=TIMESTAMP, required=True)


class LessonPageSchema(PageSchema):
    items = fields.List(fields.Nested(LessonSchema), required=True)


class LessonListArgsSchema(PageArgsSchema):
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    team = fields.String(load_default=None, validate=validate.Length(max=40))


class LessonCreateSchema(StrictSchema):
    improvement_id = fields.Integer(load_default=None, allow_none=True)
    programme_id = fields.Integer(load_default=None, allow_none=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=LESSON_TITLE_MAX))
    what_happened = fields.String(required=True, validate=validate.Length(min=1, max=LESSON_TEXT_MAX))
    next_time = fields.String(required=True, validate=validate.Length(min=1, max=LESSON_TEXT_MAX))
    team = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))

    @validates_schema
    def _one_source(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if (data.get("improvement_id") is None) == (data.get("programme_id") is None):
            raise ValidationError("Give improvement_id or programme_id, not both.", "improvement_id")


@blp.route("/improvements/<int:improvement_id>/review-decisions", methods=["GET"])
@blp.response(200, ReviewDecisionListSchema)
def list_review_decisions(improvement_id: int) -> dict[str, Any]:
    """The benefits review's decision on each benefit of the improvement that has one."""
    improvement = load_improvement(improvement_id)
    return {"items": review_queries.list_reviews(improvement.id)}


@blp.route("/benefits/<int:benefit_id>/review-decision", methods=["POST"])
@blp.arguments(ReviewDecisionCreateSchema)
@blp.response(201, ReviewDecisionSchema)
def record_review_decision(body: dict[str, Any], benefit_id: int) -> review_queries.ReviewRow:
    """Record the review's decision on a benefit of an improvement in realisation (its owner or the
    design authority): close needs closing_status, revise a target and a reason, hand_over owner_id and
    handed_over_on. Causes are required when the benefit is behind its plan (422)."""
    review = review_service.record_review_decision(
        benefit_id,
        actor=g.api_user,
        decision=body["decision"],
        causes=body["causes"],
        expected_version=requested_version(body.get("version")),
        closing_status=body["closing_status"],
        target_value=body["target_value"],
        target_date=body["target_date"],
        reason=body["reason"],
        owner_id=body["owner_id"],
        handed_over_on=body["handed_over_on"],
        note=body["note"],
    )
    return next(
        row for row in review_queries.review_rows(review.improvement_id) if row.benefit.id == benefit_id
    )


@blp.route("/lessons", methods=["GET"])
@blp.arguments(LessonListArgsSchema, location="query")
@blp.response(200, LessonPageSchema)
def list_lessons(args: dict[str, Any]) -> Page[Lesson]:
    """The lessons log, newest first, searched by words (``q``) and area (``team``), a page at a time."""
    return review_queries.list_lessons(
        review_queries.LessonFilters(q=args["q"], team=args["team"]),
        page=args["page"],
        per_page=args["per_page"],
    )


@blp.route("/lessons", methods=["POST"])
@blp.arguments(LessonCreateSchema)
@blp.response(201, LessonSchema)
def record_lesson(body: dict[str, Any]) -> Lesson:
    """Record a lesson from an improvement (its owner, sponsor or the design authority) or a programme
    (the design authority)."""
    if body["improvement_id"] is not None:
        load_improvement(body["improvement_id"])  # 404 for one the caller may not see
    lesson = review_service.record_lesson(
        actor=g.api_user,
        improvement_id=body["improvement_id"],
        programme_id=body["programme_id"],
        title=body["title"],
        what_happened=body["what_happened"],
        next_time=body["next_time"],
        team_code=body["team"],
    )
    found = review_queries.get_lesson(lesson.id)
    assert found is not None
    return found
