"""The Improvements endpoints of the API: submit, list, read, edit, timeline, similar work, comments,
support, conflicts and the non-gate transitions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g
from marshmallow import Schema, fields, validate

from changeauth.domain import permissions
from changeauth.domain.improvements import TEXT_MAX, TITLE_MAX, TITLE_MIN
from changeauth.domain.lifecycle import Action, Stage
from changeauth.models import ConflictDeclaration, Improvement, User
from changeauth.queries import improvements as improvement_queries
from changeauth.queries import similar, timeline
from changeauth.queries.pagination import Page
from changeauth.services import engagement, transitions
from changeauth.services import improvements as improvement_service
from changeauth.web.api.schemas import (
    Blueprint,
    PageArgsSchema,
    PageSchema,
    StrictSchema,
    page_of,
    requested_version,
)

blp = Blueprint("improvements_api", __name__, url_prefix="/api/v1", description="Ideas and improvements")

TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"
LONG_TEXT = validate.Length(max=TEXT_MAX)


@dataclass(frozen=True)
class SeenImprovement:
    """An improvement as the person asking sees it: the submitter is hidden when the idea is anonymous,
    except to administrators and to the submitter themselves, and its supporters are counted."""

    improvement: Improvement
    viewer: User
    support_count: int

    @property
    def submitter_id(self) -> int | None:
        visible = permissions.can_see_submitter(self.viewer.as_actor(), self.improvement.visibility_facts())
        return self.improvement.submitter_id if visible else None

    @property
    def benefit_drivers(self) -> list[str]:
        return [driver.code for driver in self.improvement.drivers]

    @property
    def team(self) -> str | None:
        return self.improvement.team.code if self.improvement.team else None


class ImprovementSchema(Schema):
    """Dumps a ``SeenImprovement``: the submitter and the support count from it, the rest from the
    improvement itself."""

    id = fields.Integer(required=True)
    ref = fields.String(required=True)
    title = fields.String(required=True)
    problem = fields.String(required=True)
    proposal = fields.String(required=True)
    expected_effect = fields.String(required=True)
    stage = fields.String(required=True)
    status = fields.String(required=True)
    route = fields.String(required=True)
    benefit_drivers = fields.List(fields.String(), required=True)
    team = fields.String(allow_none=True, required=True)
    owner_id = fields.Integer(allow_none=True, required=True)
    sponsor_id = fields.Integer(allow_none=True, required=True)
    submitter_id = fields.Integer(allow_none=True, required=True)
    is_anonymous = fields.Boolean(required=True)
    is_mandatory = fields.Boolean(required=True)
    duplicate_of = fields.Integer(attribute="duplicate_of_id", allow_none=True, required=True)
    hold_until = fields.Date(allow_none=True, required=True)
    version = fields.Integer(required=True)
    created_at = fields.DateTime(format=TIMESTAMP, required=True)
    updated_at = fields.DateTime(format=TIMESTAMP, required=True)
    support_count = fields.Integer(required=True)
    delivery_person_months = fields.Float(allow_none=True, required=True)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        source = obj if attr in _SEEN else obj.improvement
        return super().get_attribute(source, attr, default)


# What depends on who asks, or is not a column of its own: read from the ``SeenImprovement``.
_SEEN = frozenset({"submitter_id", "support_count", "benefit_drivers", "team"})


class ImprovementCreateSchema(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=TITLE_MIN, max=TITLE_MAX))
    problem = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    proposal = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    expected_effect = fields.String(load_default="", validate=LONG_TEXT)
    benefit_drivers = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        required=True,
        validate=validate.Length(min=1, max=10),
    )
    team = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    is_anonymous = fields.Boolean(load_default=False)


class ImprovementPatchSchema(StrictSchema):
    title = fields.String(validate=validate.Length(min=TITLE_MIN, max=TITLE_MAX))
    problem = fields.String(validate=validate.Length(min=1, max=TEXT_MAX))
    proposal = fields.String(validate=validate.Length(min=1, max=TEXT_MAX))
    expected_effect = fields.String(validate=LONG_TEXT)
    benefit_drivers = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)), validate=validate.Length(min=1, max=10)
    )
    owner_id = fields.Integer(allow_none=True, validate=validate.Range(min=1))
    sponsor_id = fields.Integer(allow_none=True, validate=validate.Range(min=1))
    team = fields.String(allow_none=True, validate=validate.Length(max=40))
    is_mandatory = fields.Boolean()
    programme = fields.String(allow_none=True, validate=validate.Length(max=40))
    delivery_person_months = fields.Decimal(allow_none=True, allow_nan=False)
    version = fields.Integer(validate=validate.Range(min=1))


class ImprovementListArgs(PageArgsSchema):
    stage = fields.String(validate=validate.OneOf([s.value for s in Stage]))
    driver = fields.String(validate=validate.Length(max=40))
    team = fields.String(validate=validate.Length(max=40))
    q = fields.String(validate=validate.Length(max=200))
    mine = fields.Boolean()


class ImprovementPageSchema(PageSchema):
    items = fields.List(fields.Nested(ImprovementSchema), required=True)


class TimelineItemSchema(Schema):
    at = fields.DateTime(format=TIMESTAMP, required=True)
    kind = fields.String(required=True)
    actor = fields.String(allow_none=True, required=True)
    from_stage = fields.String(allow_none=True, required=True)
    to_stage = fields.String(allow_none=True, required=True)
    decision = fields.String(allow_none=True, required=True)
    rationale = fields.String(allow_none=True, required=True)


class TimelineSchema(Schema):
    items = fields.List(fields.Nested(TimelineItemSchema), required=True)


class SimilarItemSchema(Schema):
    id = fields.Integer(required=True)
    ref = fields.String(required=True)
    title = fields.String(required=True)
    stage = fields.String(required=True)
    similarity = fields.Float(required=True)


class SimilarSchema(Schema):
    items = fields.List(fields.Nested(SimilarItemSchema), required=True)


class CommentCreateSchema(StrictSchema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


class CommentSchema(Schema):
    id = fields.Integer(required=True)
    body = fields.String(required=True)
    author = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(format=TIMESTAMP, required=True)


class SupportSchema(Schema):
    improvement_id = fields.Integer(required=True)
    support_count = fields.Integer(required=True)


class ConflictCreateSchema(StrictSchema):
    note = fields.String(load_default="", validate=LONG_TEXT)


class ConflictSchema(Schema):
    id = fields.Integer(required=True)
    improvement_id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    note = fields.String(required=True)


class TransitionSchema(StrictSchema):
    action = fields.String(required=True, validate=validate.OneOf([a.value for a in Action]))
    version = fields.Integer(validate=validate.Range(min=1))
    note = fields.String(load_default="", validate=LONG_TEXT)


def seen_by(improvement: Improvement, viewer: User, *, support_count: int | None = None) -> SeenImprovement:
    """The improvement as ``viewer`` sees it, for ``ImprovementSchema`` to dump."""
    if support_count is None:
        support_count = improvement_queries.support_count(improvement.id)
    return SeenImprovement(improvement, viewer, support_count)


def load_improvement(improvement_id: int) -> Improvement:
    return improvement_queries.get_improvement(improvement_id, g.api_user)


def fresh(improvement_id: int) -> SeenImprovement:
    """Reload with its relationships (a service may have changed them), as the caller sees it."""
    return seen_by(load_improvement(improvement_id), g.api_user)


@blp.route("/improvements", methods=["POST"])
@blp.arguments(ImprovementCreateSchema)
@blp.response(201, ImprovementSchema)
def create(body: dict[str, Any]) -> SeenImprovement:
    """Submit an idea (any user): it starts at stage idea, status submitted."""
    improvement = improvement_service.submit_idea(
        g.api_user,
        title=body["title"],
        problem=body["problem"],
        proposal=body["proposal"],
        expected_effect=body["expected_effect"],
        driver_codes=body["benefit_drivers"],
        team_code=body["team"],
        is_anonymous=body["is_anonymous"],
    )
    return fresh(improvement.id)


@blp.route("/improvements", methods=["GET"])
@blp.arguments(ImprovementListArgs, location="query")
@blp.response(200, ImprovementPageSchema)
def list_all(args: dict[str, Any]) -> Page[Any]:
    """Search and filter improvements, newest first."""
    filters = improvement_queries.ImprovementFilters(
        stage=args.get("stage"),
        driver=args.get("driver"),
        team=args.get("team"),
        q=args.get("q"),
        mine_user_id=g.api_user.id if args.get("mine") else None,
    )
    page = improvement_queries.list_improvements(
        g.api_user, filters, page=args["page"], per_page=args["per_page"]
    )
    counts = improvement_queries.support_counts([item.id for item in page.items])
    return page_of(
        page, [seen_by(item, g.api_user, support_count=counts.get(item.id, 0)) for item in page.items]
    )


@blp.route("/improvements/<int:improvement_id>", methods=["GET"])
@blp.response(200, ImprovementSchema)
def read(improvement_id: int) -> SeenImprovement:
    """One improvement."""
    return fresh(improvement_id)


@blp.route("/improvements/<int:improvement_id>", methods=["PATCH"])
@blp.arguments(ImprovementPatchSchema)
@blp.response(200, ImprovementSchema)
def edit(body: dict[str, Any], improvement_id: int) -> SeenImprovement:
    """Edit text (submitter at idea, owner from business case to delivery), assignments (DA), or the
    delivery estimate in person-months (owner or DA)."""
    improvement = load_improvement(improvement_id)
    version = requested_version(body.pop("version", None))
    improvement_service.update_improvement(
        improvement, actor=g.api_user, expected_version=version, changes=body
    )
    return fresh(improvement_id)


@blp.route("/improvements/<int:improvement_id>/timeline", methods=["GET"])
@blp.response(200, TimelineSchema)
def history(improvement_id: int) -> dict[str, Any]:
    """Every stage change, decision, comment and flag, oldest first, in plain terms."""
    improvement = load_improvement(improvement_id)
    show = permissions.can_see_submitter(g.api_user.as_actor(), improvement.visibility_facts())
    return {"items": [vars(entry) for entry in timeline.timeline(improvement, show_submitter=show)]}


@blp.route("/improvements/<int:improvement_id>/similar", methods=["GET"])
@blp.response(200, SimilarSchema)
def similar_work(improvement_id: int) -> dict[str, Any]:
    """Up to 10 related improvements, closed, declined and merged ones included."""
    return {"items": [vars(item) for item in similar.similar_to(load_improvement(improvement_id))]}


@blp.route("/improvements/<int:improvement_id>/comments", methods=["POST"])
@blp.arguments(CommentCreateSchema)
@blp.response(201, CommentSchema)
def comment(body: dict[str, Any], improvement_id: int) -> dict[str, Any]:
    """Comment on an improvement."""
    improvement = load_improvement(improvement_id)
    created = engagement.add_comment(improvement, actor=g.api_user, body=body["body"])
    return {
        "id": created.id,
        "body": created.body,
        "author": g.api_user.name,
        "created_at": created.created_at,
    }


@blp.route("/improvements/<int:improvement_id>/support", methods=["POST"])
@blp.response(201, SupportSchema)
def support(improvement_id: int) -> dict[str, Any]:
    """Support an idea (once: a second time answers 409 already_exists)."""
    improvement = load_improvement(improvement_id)
    engagement.support(improvement, actor=g.api_user)
    return {
        "improvement_id": improvement.id,
        "support_count": improvement_queries.support_count(improvement.id),
    }


@blp.route("/improvements/<int:improvement_id>/support", methods=["DELETE"])
@blp.response(204)
def unsupport(improvement_id: int) -> None:
    """Take back your support."""
    engagement.withdraw_support(load_improvement(improvement_id), actor=g.api_user)


@blp.route("/improvements/<int:improvement_id>/conflicts", methods=["POST"])
@blp.arguments(ConflictCreateSchema)
@blp.response(201, ConflictSchema)
def conflict(body: dict[str, Any], improvement_id: int) -> ConflictDeclaration:
    """Declare a conflict of interest: you will not score, attend or decide this improvement."""
    return engagement.declare_conflict(load_improvement(improvement_id), actor=g.api_user, note=body["note"])


@blp.route("/improvements/<int:improvement_id>/transitions", methods=["POST"])
@blp.arguments(TransitionSchema)
@blp.response(200, ImprovementSchema)
def transition(body: dict[str, Any], improvement_id: int) -> SeenImprovement:
    """start_delivery (owner or DA, from approved), resume (DA, from on_hold), withdraw (submitter, idea),
    resubmit (submitter, with a note, after the design authority asked for more information)."""
    improvement = load_improvement(improvement_id)
    transitions.apply_action(
        improvement,
        actor=g.api_user,
        action=body["action"],
        version=requested_version(body.get("version")),
        note=body["note"],
    )
    return fresh(improvement_id)
