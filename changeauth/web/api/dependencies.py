"""The Dependencies endpoints: what an improvement needs delivered first and what needs it, recording
one, and removing one (docs/api.md#dependencies). The rules are ``services.dependencies``'s, as on the
pages."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import Schema, fields, validate

from changeauth.domain.dependencies import REASON_MAX
from changeauth.queries import dependencies as dependency_queries
from changeauth.queries.dependencies import Dependencies, DependencySide
from changeauth.services import dependencies as dependency_service
from changeauth.web.api.improvements import TIMESTAMP, load_improvement, requested_version
from changeauth.web.api.schemas import Blueprint, StrictSchema

blp = Blueprint(
    "dependencies_api", __name__, url_prefix="/api/v1", description="Dependencies between improvements"
)


class DependencyImprovementSchema(Schema):
    """One end of a dependency: never its submitter, so an anonymous one stays anonymous."""

    id = fields.Integer(required=True)
    ref = fields.String(required=True)
    title = fields.String(required=True)
    stage = fields.String(required=True)


class DependencySchema(Schema):
    """A dependency (a ``queries.dependencies.DependencySide``): ``improvement`` needs ``depends_on``
    delivered first; ``state`` says where ``depends_on`` stands (delivered, awaited, stopped)."""

    id = fields.Integer(required=True)
    improvement = fields.Nested(DependencyImprovementSchema, required=True)
    depends_on = fields.Nested(DependencyImprovementSchema, required=True)
    state = fields.String(required=True)
    reason = fields.String(required=True)
    recorded_by = fields.String(required=True)
    recorded_at = fields.DateTime(format=TIMESTAMP, required=True)
    version = fields.Integer(required=True)


class DependenciesSchema(Schema):
    """An improvement's dependencies as the caller may see them (a ``queries.dependencies.Dependencies``)."""

    needs = fields.List(fields.Nested(DependencySchema), required=True)
    needed_by = fields.List(fields.Nested(DependencySchema), required=True)


class DependencyCreateSchema(StrictSchema):
    depends_on_id = fields.Integer(required=True, validate=validate.Range(min=1))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))
    # The version of the improvement that needs the other, as read; or an If-Match header.
    version = fields.Integer(load_default=None, allow_none=True)


class DependencyRemoveSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))
    # The dependency's version, as read; or an If-Match header.
    version = fields.Integer(load_default=None, allow_none=True)


@blp.route("/improvements/<int:improvement_id>/dependencies", methods=["GET"])
@blp.response(200, DependenciesSchema)
def list_dependencies(improvement_id: int) -> Dependencies:
    """What the improvement needs delivered first and what needs it, each only where the caller may see
    both improvements."""
    return dependency_queries.dependencies_of(load_improvement(improvement_id), g.api_user)


@blp.route("/improvements/<int:improvement_id>/dependencies", methods=["POST"])
@blp.arguments(DependencyCreateSchema)
@blp.response(201, DependencySchema)
def record(body: dict[str, Any], improvement_id: int) -> DependencySide:
    """Record that the improvement needs another delivered first (its owner or a DA member); a cycle,
    work that will never be delivered or no reason is 422, the same one twice 409."""
    created = dependency_service.record_dependency(
        load_improvement(improvement_id),
        actor=g.api_user,
        expected_version=requested_version(body.get("version")),
        depends_on_id=body["depends_on_id"],
        reason=body["reason"],
    )
    return dependency_queries.side_of(dependency_queries.get_dependency(created.id, g.api_user))


@blp.route("/dependencies/<int:dependency_id>/remove", methods=["POST"])
@blp.arguments(DependencyRemoveSchema)
@blp.response(204)
def remove(body: dict[str, Any], dependency_id: int) -> None:
    """Remove a dependency with a reason: a DA member independent of the improvement that needs it."""
    dependency_service.remove_dependency(
        dependency_queries.get_dependency(dependency_id, g.api_user),
        actor=g.api_user,
        expected_version=requested_version(body.get("version")),
        reason=body["reason"],
    )
