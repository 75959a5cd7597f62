"""The Scoring and backlog endpoints of the API: the active scheme, new scheme versions, assessments,
an improvement's score, the ranked backlog and what-if weights."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import current_app, g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from changeauth.domain import permissions
from changeauth.domain.errors import PermissionDenied
from changeauth.domain.scoring import CriterionKind, CriterionSpec
from changeauth.models import Assessment, ScoringScheme
from changeauth.queries import backlog as backlog_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.queries import scoring as scoring_queries
from changeauth.queries.pagination import clamp_page
from changeauth.services import scoring as scoring_service
from changeauth.web.api.improvements import TIMESTAMP, requested_version
from changeauth.web.api.schemas import PageArgsSchema, PageSchema, StrictSchema

blp = Blueprint("scoring_api", __name__, url_prefix="/api/v1", description="Scoring and the backlog")


def _number(value: Decimal | None) -> float | None:
    # Scores have one decimal and contributions two; a JSON number represents both exactly enough.
    return None if value is None else float(value)


def _rules() -> dict[str, int]:
    return {
        "quorum": current_app.config["SCORE_QUORUM"],
        "disagreement_threshold": current_app.config["DISAGREEMENT_THRESHOLD"],
    }


# --- schemes -------------------------------------------------------------------------------------


class SchemeCriterionSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    kind = fields.String(required=True)
    weight = fields.Float(allow_none=True, required=True)
    direction = fields.String(required=True)
    descriptors = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class SchemeSchema(Schema):
    id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    note = fields.String(required=True)
    activated_at = fields.String(allow_none=True, required=True)
    criteria = fields.List(fields.Nested(SchemeCriterionSchema), required=True)
    score_quorum = fields.Integer(required=True)
    disagreement_threshold = fields.Integer(required=True)


class SchemeCriterionInSchema(StrictSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(load_default="")
    kind = fields.String(required=True, validate=validate.OneOf([kind.value for kind in CriterionKind]))
    weight = fields.Decimal(allow_none=True, load_default=None)
    direction = fields.String(allow_none=True, load_default=None)
    descriptors = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict)


class SchemeInSchema(StrictSchema):
    criteria = fields.List(fields.Nested(SchemeCriterionInSchema), required=True)
    activate = fields.Boolean(load_default=False)
    note = fields.String(load_default="", validate=validate.Length(max=10_000))


def _criterion_json(spec: CriterionSpec) -> dict[str, Any]:
    return {
        "code": spec.code,
        "name": spec.name,
        "description": spec.description,
        "kind": spec.kind.value,
        "weight": None if spec.kind is CriterionKind.MUST else _number(spec.weight),
        "direction": spec.direction.value,
        "descriptors": dict(spec.descriptors),
    }


def _scheme_json(scheme: ScoringScheme) -> dict[str, Any]:
    return {
        "id": scheme.id,
        "version": scheme.version,
        "status": scheme.status,
        "note": scheme.note,
        "activated_at": scheme.activated_at.strftime(TIMESTAMP) if scheme.activated_at else None,
        "criteria": [_criterion_json(spec) for spec in scheme.specs()],
        "score_quorum": current_app.config["SCORE_QUORUM"],
        "disagreement_threshold": current_app.config["DISAGREEMENT_THRESHOLD"],
    }


@blp.route("/scoring-schemes/active")
@blp.response(200, SchemeSchema)
def active_scheme() -> dict[str, Any]:
    """The active scoring scheme: its criteria, weights, directions and descriptors."""
    return _scheme_json(scoring_queries.active_scheme())


@blp.route("/scoring-schemes", methods=["POST"])
@blp.arguments(SchemeInSchema)
@blp.response(201, SchemeSchema)
def create_scheme(body: dict[str, Any]) -> dict[str, Any]:
    """A new scheme version (administrators), activated at once with ``"activate": true``."""
    scheme = scoring_service.create_scheme(
        g.api_user, body["criteria"], activate=body["activate"], note=body["note"], **_rules()
    )
    return _scheme_json(scoring_queries.get_scheme(scheme.id))


# --- assessments and scores ----------------------------------------------------------------------


class AssessmentInSchema(StrictSchema):
    scores = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True)
    rationale = fields.String(load_default="")
    version = fields.Integer(validate=validate.Range(min=1))


class AssessmentSchema(Schema):
    id = fields.Integer(required=True)
    improvement_id = fields.Integer(required=True)
    assessor_id = fields.Integer(required=True)
    assessor = fields.String(required=True)
    scheme_version = fields.Integer(required=True)
    scores = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)
    rationale = fields.String(required=True)
    submitted_at = fields.String(required=True)
    updated_at = fields.String(required=True)
    version = fields.Integer(required=True)


def _assessment_json(assessment: Assessment, scheme_version: int, assessor: str) -> dict[str, Any]:
    return {
        "id": assessment.id,
        "improvement_id": assessment.improvement_id,
        "assessor_id": assessment.assessor_id,
        "assessor": assessor,
        "scheme_version": scheme_version,
        "scores": assessment.values(),
        "rationale": assessment.rationale,
        "submitted_at": assessment.submitted_at.strftime(TIMESTAMP),
        "updated_at": assessment.updated_at.strftime(TIMESTAMP),
        "version": assessment.version,
    }


@blp.route("/improvements/<int:improvement_id>/assessment", methods=["PUT"])
@blp.arguments(AssessmentInSchema)
@blp.response(200, AssessmentSchema)
def put_assessment(body: dict[str, Any], improvement_id: int) -> dict[str, Any]:
    """Submit or revise your own assessment under the active scheme (DA members; never on your own,
    owned, sponsored or conflicted improvements)."""
    assessment = scoring_service.save_assessment(
        g.api_user,
        improvement_id,
        scores=body["scores"],
        rationale=body["rationale"],
        expected_version=requested_version(body.get("version")),
        **_rules(),
    )
    return _assessment_json(assessment, scoring_queries.active_scheme().version, g.api_user.name)


class CriterionResultSchema(Schema):
    code = fields.String(required=True)
    median = fields.Float(allow_none=True, required=True)
    min = fields.Integer(allow_none=True, required=True)
    max = fields.Integer(allow_none=True, required=True)
    n = fields.Integer(required=True)
    disagreement = fields.Boolean(required=True)
    passes = fields.Integer(allow_none=True)


class ScoreSchema(Schema):
    status = fields.String(required=True)
    scheme_version = fields.Integer(required=True)
    scorers = fields.Integer(required=True)
    weighted_score = fields.Float(allow_none=True, required=True)
    must_meet_passed = fields.Boolean(allow_none=True, required=True)
    disagreement = fields.Boolean(required=True)
    criteria = fields.List(fields.Nested(CriterionResultSchema), required=True)
    assessments = fields.List(fields.Nested(AssessmentSchema))


@blp.route("/improvements/<int:improvement_id>/score")
@blp.response(200, ScoreSchema)
def get_score(improvement_id: int) -> dict[str, Any]:
    """The stored panel score. Individual assessments only for admins, viewers and DA members who
    have submitted their own (blind scoring)."""
    improvement = improvement_queries.get_improvement(improvement_id, g.api_user)
    view = scoring_queries.score_view(
        improvement.id, g.api_user, disagreement_threshold=current_app.config["DISAGREEMENT_THRESHOLD"]
    )
    body: dict[str, Any] = {
        "status": view.status.value,
        "scheme_version": view.scheme.version,
        "scorers": view.scorers,
        "weighted_score": _number(view.weighted_score),
        "must_meet_passed": view.must_meet_passed,
        "disagreement": view.disagreement,
        "criteria": [
            {
                "code": result.code,
                "median": _number(result.median),
                "min": result.min,
                "max": result.max,
                "n": result.n,
                "disagreement": result.disagreement,
                "passes": result.passes,
            }
            for result in view.criteria
        ],
    }
    if view.assessments is not None:
        body["assessments"] = [
            _assessment_json(a, a.scheme.version, a.assessor.name) for a in view.assessments
        ]
    return body


# --- the backlog ---------------------------------------------------------------------------------


class BacklogArgsSchema(PageArgsSchema):
    driver = fields.String(load_default=None)
    stage = fields.String(load_default=None)
    team = fields.String(load_default=None)


class BacklogItemSchema(Schema):
    rank = fields.Integer(required=True)
    id = fields.Integer(required=True)
    ref = fields.String(required=True)
    title = fields.String(required=True)
    stage = fields.String(required=True)
    is_mandatory = fields.Boolean(required=True)
    score_status = fields.String(required=True)
    weighted_score = fields.Float(allow_none=True, required=True)
    disagreement = fields.Boolean(required=True)
    contributions = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    rank_range = fields.List(fields.Integer(), required=True)
    planned_quarter = fields.String(allow_none=True)


class BacklogExcludedSchema(Schema):
    id = fields.Integer(required=True)
    ref = fields.String(required=True)
    reason = fields.String(required=True)


class BacklogSchema(PageSchema):
    items = fields.List(fields.Nested(BacklogItemSchema), required=True)
    excluded = fields.List(fields.Nested(BacklogExcludedSchema), required=True)
    scheme_version = fields.Integer(required=True)


@blp.route("/backlog")
@blp.arguments(BacklogArgsSchema, location="query")
@blp.response(200, BacklogSchema)
def backlog(args: dict[str, Any]) -> dict[str, Any]:
    """The ranked backlog (design §5 order) with each row's contributions and ±20 % rank range; the
    must-meet failures apart in ``excluded``. Ranks are positions in the whole backlog."""
    if not permissions.can_view_backlog(g.api_user.as_actor()):
        raise PermissionDenied("You cannot see the backlog.")
    filters = backlog_queries.BacklogFilters(driver=args["driver"], stage=args["stage"], team=args["team"])
    view = backlog_queries.backlog_view(filters, page=args["page"], per_page=args["per_page"])
    return {
        "items": [
            {
                "rank": row.rank,
                "id": row.entry.id,
                "ref": row.entry.ref,
                "title": row.entry.title,
                "stage": row.entry.stage,
                "is_mandatory": row.entry.is_mandatory,
                "score_status": row.entry.score_status.value,
                "weighted_score": _number(row.entry.weighted_score),
                "disagreement": row.entry.disagreement,
                "contributions": {code: float(points) for code, points in row.contributions.items()},
                "rank_range": list(row.rank_range),
                "planned_quarter": row.entry.planned_quarter,
            }
            for row in view.page.items
        ],
        "page": view.page.page,
        "per_page": view.page.per_page,
        "total": view.page.total,
        "excluded": [{"id": x.entry.id, "ref": x.entry.ref, "reason": x.reason} for x in view.excluded],
        "scheme_version": view.scheme.version,
    }


class WhatIfInSchema(StrictSchema):
    weights = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)


class WhatIfItemSchema(Schema):
    id = fields.Integer(required=True)
    ref = fields.String(required=True)
    rank = fields.Integer(required=True)
    weighted_score = fields.Float(allow_none=True, required=True)
    rank_change = fields.Integer(allow_none=True, required=True)


class WhatIfSchema(PageSchema):
    items = fields.List(fields.Nested(WhatIfItemSchema), required=True)
    weights = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)


@blp.route("/backlog/what-if", methods=["POST"])
@blp.arguments(WhatIfInSchema)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, WhatIfSchema)
def what_if(body: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    """The backlog ranked under other weights (codes left out keep theirs), with each row's rank
    change; nothing is stored. DA members and admins. Paginated like every list."""
    preview = scoring_service.preview_weights(g.api_user, body["weights"])
    page, per_page = clamp_page(args["page"], args["per_page"])
    window = preview.rows[(page - 1) * per_page : page * per_page]
    return {
        "items": [
            {
                "id": row.entry.id,
                "ref": row.entry.ref,
                "rank": row.rank,
                "weighted_score": _number(row.weighted_score),
                "rank_change": row.rank_change,
            }
            for row in window
        ],
        "page": page,
        "per_page": per_page,
        "total": len(preview.rows),
        "weights": {code: float(weight) for code, weight in preview.weights.items()},
    }
