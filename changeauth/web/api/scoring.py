"""The Scoring and backlog endpoints of the API: the active scheme, new scheme versions, assessments,
an improvement's score, the ranked backlog and what-if weights."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask import current_app, g
from marshmallow import Schema, fields, missing, validate

from changeauth.domain import permissions
from changeauth.domain.errors import PermissionDenied
from changeauth.domain.scoring import CriterionKind
from changeauth.models import Assessment, ScoringScheme
from changeauth.queries import backlog as backlog_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.queries import scoring as scoring_queries
from changeauth.queries.pagination import Page, clamp_page
from changeauth.services import scoring as scoring_service
from changeauth.web import shared_views
from changeauth.web.api.improvements import TIMESTAMP, requested_version
from changeauth.web.api.schemas import Blueprint, PageArgsSchema, PageSchema, StrictSchema, window
from changeauth.web.rank_ranges import ensure_rank_ranges

blp = Blueprint("scoring_api", __name__, url_prefix="/api/v1", description="Scoring and the backlog")


def _rules() -> dict[str, int]:
    return {
        "quorum": current_app.config["SCORE_QUORUM"],
        "disagreement_threshold": current_app.config["DISAGREEMENT_THRESHOLD"],
    }


# --- schemes -------------------------------------------------------------------------------------


class _Setting(fields.Integer):
    """A number from the configuration rather than from the object dumped (the rules a scheme is used
    under)."""

    def __init__(self, key: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.key = key

    def serialize(self, attr: str, obj: Any, accessor: Any = None, **kwargs: Any) -> Any:
        return current_app.config[self.key]


class _TimestampText(fields.String):
    """A timestamp written as ``TIMESTAMP`` text, documented as the plain string it always was."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else value.strftime(TIMESTAMP)


class SchemeCriterionSchema(Schema):
    """A ``SchemeCriterion``; a must criterion is pass/fail, so it carries no weight."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    kind = fields.String(required=True)
    weight = fields.Float(allow_none=True, required=True, attribute="counted_weight")
    direction = fields.String(required=True)
    descriptors = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class SchemeSchema(Schema):
    """A ``ScoringScheme`` with its criteria loaded, and the rules it is used under."""

    id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    note = fields.String(required=True)
    activated_at = _TimestampText(allow_none=True, required=True)
    criteria = fields.List(fields.Nested(SchemeCriterionSchema), required=True)
    score_quorum = _Setting("SCORE_QUORUM", required=True)
    disagreement_threshold = _Setting("DISAGREEMENT_THRESHOLD", required=True)


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


@blp.route("/scoring-schemes/active")
@blp.response(200, SchemeSchema)
def active_scheme() -> ScoringScheme:
    """The active scoring scheme: its criteria, weights, directions and descriptors."""
    return scoring_queries.active_scheme()


@blp.route("/scoring-schemes", methods=["POST"])
@blp.arguments(SchemeInSchema)
@blp.response(201, SchemeSchema)
def create_scheme(body: dict[str, Any]) -> ScoringScheme:
    """A new scheme version (administrators), activated at once with ``"activate": true``."""
    scheme = scoring_service.create_scheme(
        g.api_user, body["criteria"], activate=body["activate"], note=body["note"], **_rules()
    )
    return scoring_queries.get_scheme(scheme.id)


# --- assessments and scores ----------------------------------------------------------------------


class AssessmentInSchema(StrictSchema):
    scores = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True)
    rationale = fields.String(load_default="")
    version = fields.Integer(validate=validate.Range(min=1))


class AssessmentSchema(Schema):
    """Dumps an ``Assessment`` with its assessor and scheme loaded."""

    id = fields.Integer(required=True)
    improvement_id = fields.Integer(required=True)
    assessor_id = fields.Integer(required=True)
    assessor = fields.String(required=True, attribute="assessor.name")
    scheme_version = fields.Integer(required=True, attribute="scheme.version")
    # True while the rank ranges shown are those of the backlog before its latest change.
    ranges_being_recalculated = fields.Boolean(required=True)
    scores = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)
    rationale = fields.String(required=True)
    submitted_at = _TimestampText(required=True)
    updated_at = _TimestampText(required=True)
    version = fields.Integer(required=True)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        # The scores are the assessment's values by criterion code, not a column.
        return obj.values() if attr == "scores" else super().get_attribute(obj, attr, default)


@blp.route("/improvements/<int:improvement_id>/assessment", methods=["PUT"])
@blp.arguments(AssessmentInSchema)
@blp.response(200, AssessmentSchema)
def put_assessment(body: dict[str, Any], improvement_id: int) -> Assessment:
    """Submit or revise your own assessment under the active scheme (DA members; never on your own,
    owned, sponsored or conflicted improvements)."""
    assessment = scoring_service.save_assessment(
        improvement_id,
        actor=g.api_user,
        scores=body["scores"],
        rationale=body["rationale"],
        expected_version=requested_version(body.get("version")),
        **_rules(),
    )
    return scoring_queries.get_assessment(assessment.id)


class CriterionResultSchema(Schema):
    code = fields.String(required=True)
    median = fields.Float(allow_none=True, required=True)
    min = fields.Integer(allow_none=True, required=True)
    max = fields.Integer(allow_none=True, required=True)
    n = fields.Integer(required=True)
    # Null while blind scoring hides the spread from the caller (docs/scoring-and-backlog.md).
    disagreement = fields.Boolean(allow_none=True, required=True)
    passes = fields.Integer(allow_none=True)


class ScoreSchema(Schema):
    """Dumps a ``queries.scoring.ScoreView``: the spread is null, and the assessments are left out, while
    blind scoring hides them from the person asking."""

    status = fields.String(required=True)
    scheme_version = fields.Integer(required=True, attribute="scheme.version")
    scorers = fields.Integer(required=True)
    weighted_score = fields.Float(allow_none=True, required=True)
    must_meet_passed = fields.Boolean(allow_none=True, required=True)
    disagreement = fields.Boolean(allow_none=True, required=True)
    criteria = fields.List(fields.Nested(CriterionResultSchema), required=True)
    assessments = fields.List(fields.Nested(AssessmentSchema))

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "assessments" and obj.assessments is None:
            return missing
        if obj.spread_hidden and attr == "disagreement":
            return None
        if obj.spread_hidden and attr == "criteria":
            return [replace(result, disagreement=None) for result in obj.criteria]
        return super().get_attribute(obj, attr, default)


@blp.route("/improvements/<int:improvement_id>/score")
@blp.response(200, ScoreSchema)
def get_score(improvement_id: int) -> scoring_queries.ScoreView:
    """The stored panel score. Individual assessments only for admins, viewers and DA members who
    have submitted their own (blind scoring)."""
    improvement = improvement_queries.get_improvement(improvement_id, g.api_user)
    return scoring_queries.score_view(
        improvement.id, g.api_user, disagreement_threshold=current_app.config["DISAGREEMENT_THRESHOLD"]
    )


# --- the backlog ---------------------------------------------------------------------------------


class BacklogArgsSchema(PageArgsSchema):
    driver = fields.String(load_default=None)
    stage = fields.String(load_default=None)
    team = fields.String(load_default=None)


class BacklogItemSchema(Schema):
    """Dumps a ``BacklogRow``: its place and explanation, the rest from its entry."""

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
    # Null until the shared rank ranges include the improvement (see ranges_being_recalculated).
    rank_range = fields.List(fields.Integer(), required=True, allow_none=True)
    planned_quarter = fields.String(allow_none=True)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        source = obj if attr in {"rank", "contributions", "rank_range"} else obj.entry
        return super().get_attribute(source, attr, default)


class BacklogExcludedSchema(Schema):
    id = fields.Integer(required=True, attribute="entry.id")
    ref = fields.String(required=True, attribute="entry.ref")
    reason = fields.String(required=True)


class BacklogSchema(PageSchema):
    """Dumps a ``BacklogView``: its page, the must-meet failures and the scheme version."""

    items = fields.List(fields.Nested(BacklogItemSchema), required=True)
    excluded = fields.List(fields.Nested(BacklogExcludedSchema), required=True)
    scheme_version = fields.Integer(required=True, attribute="scheme.version")

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        return super().get_attribute(obj.page if attr in _PAGE_FIELDS else obj, attr, default)


@blp.route("/backlog")
@blp.arguments(BacklogArgsSchema, location="query")
@blp.response(200, BacklogSchema)
def backlog(args: dict[str, Any]) -> backlog_queries.BacklogView:
    """The ranked backlog with each row's contributions and ±20 % rank range; the must-meet failures
    apart in ``excluded``. Ranks are positions in the whole backlog (order: docs/scoring-and-backlog.md)."""
    if not permissions.can_view_backlog(g.api_user.as_actor()):
        raise PermissionDenied("You cannot see the backlog.")
    filters = backlog_queries.BacklogFilters(driver=args["driver"], stage=args["stage"], team=args["team"])
    ensure_rank_ranges()
    return backlog_queries.backlog_view(filters, page=args["page"], per_page=args["per_page"])


class WhatIfInSchema(StrictSchema):
    weights = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)


class WhatIfItemSchema(Schema):
    """Dumps a ``PreviewRow``."""

    id = fields.Integer(required=True, attribute="entry.id")
    ref = fields.String(required=True, attribute="entry.ref")
    rank = fields.Integer(required=True)
    weighted_score = fields.Float(allow_none=True, required=True)
    rank_change = fields.Integer(allow_none=True, required=True)


class WhatIfSchema(PageSchema):
    """Dumps a ``WhatIf``: one page of the preview's rows and the weights it ranked under."""

    items = fields.List(fields.Nested(WhatIfItemSchema), required=True)
    weights = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        return super().get_attribute(obj.page if attr in _PAGE_FIELDS else obj.preview, attr, default)


@dataclass(frozen=True)
class WhatIf:
    page: Page[scoring_service.PreviewRow]
    preview: scoring_service.Preview


# What a list's ``PageSchema`` reads from its ``Page`` when the answer carries more beside it.
_PAGE_FIELDS = frozenset({"items", "page", "per_page", "total"})


@blp.route("/backlog/what-if", methods=["POST"])
@blp.arguments(WhatIfInSchema)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, WhatIfSchema)
def what_if(body: dict[str, Any], args: dict[str, Any]) -> WhatIf:
    """The backlog ranked under other weights (codes left out keep theirs), with each row's rank
    change; nothing is stored. DA members and admins. Paginated like every list."""
    preview = scoring_service.preview_weights(g.api_user, body["weights"], shared_views.backlog_table())
    page, per_page = clamp_page(args["page"], args["per_page"])
    return WhatIf(window(preview.rows, page, per_page), preview)
