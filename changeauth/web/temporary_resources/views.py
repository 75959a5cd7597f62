"""Temporary resources pages: the register on any date, one resource with its benefit at risk, and the
forms to record one, extend it (DA or finance, not the owner) and record its actual end (the owner)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms import SelectChoice

from changeauth.domain import permissions
from changeauth.domain.errors import ValidationFailed
from changeauth.queries import reference
from changeauth.queries import temporary_resources as resource_queries
from changeauth.queries.clock import today
from changeauth.queries.users import list_possible_owners
from changeauth.services import temporary_resources as resource_service
from changeauth.web import shared_views
from changeauth.web.access import allowed_if
from changeauth.web.forms import RESOURCE_STATUS_LABELS, ResourceFilterForm, apply_field_errors
from changeauth.web.temporary_resources.forms import KIND_LABELS, EndForm, ExtendForm, ResourceForm

bp = Blueprint("temporary_resources", __name__, url_prefix="/temporary-resources")


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"resource_kind_labels": KIND_LABELS, "resource_status_labels": RESOURCE_STATUS_LABELS}


def _version(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


@bp.route("/")
@allowed_if(permissions.can_view_benefits_and_resources)
def index() -> ResponseReturnValue:
    form = ResourceFilterForm(request.args)
    valid = form.validate()
    on = (form.on.data if valid else None) or today()
    page = resource_queries.list_resources(
        resource_queries.ResourceFilters(status=(form.status.data or None) if valid else None),
        on=on,
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "temporary_resources/index.html",
        form=form,
        page=page,
        on=on,
        total_exposure=resource_queries.total_exposure_pence(on),
        at_risk=shared_views.benefit_at_risk(on),
        can_add=permissions.can_manage_temporary_resources(current_user.as_actor()),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    if not permissions.can_manage_temporary_resources(current_user.as_actor()):
        abort(403)
    form = ResourceForm(owner_id=current_user.id)
    form.team.choices = [SelectChoice("", "No team")] + [
        SelectChoice(t.code, t.name) for t in reference.list_teams()
    ]
    form.owner_id.choices = [SelectChoice(str(u.id), u.name) for u in list_possible_owners()]
    if form.validate_on_submit():
        try:
            resource = resource_service.create_resource(current_user, **_resource_values(form))
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash(f"‘{resource.role_title}’ has been added to the register.", "success")
            return redirect(url_for("temporary_resources.detail", resource_id=resource.id))
    return render_template("temporary_resources/new.html", form=form), (422 if form.errors else 200)


def _resource_values(form: ResourceForm) -> dict[str, Any]:
    """The service's arguments; an improvement reference that matches nothing is a field error."""
    improvement_id = None
    if form.improvement_ref.data:
        improvement_id = resource_queries.improvement_id_for_ref(form.improvement_ref.data)
        if improvement_id is None:
            raise ValidationFailed({"improvement_ref": ["There is no improvement with that reference."]})
    return {
        "role_title": form.role_title.data or "",
        "team_code": form.team.data or None,
        "improvement_id": improvement_id,
        "kind": form.kind.data,
        "annual_cost_pence": form.annual_cost_pence.data,
        "funding_source": form.funding_source.data or "",
        "start_date": form.start_date.data,
        "end_date": form.end_date.data,
        "owner_id": form.owner_id.data,
        "reason": form.reason.data or "",
    }


@bp.route("/<int:resource_id>")
@allowed_if(permissions.can_view_benefits_and_resources)
def detail(resource_id: int) -> ResponseReturnValue:
    resource = resource_queries.get_resource(resource_id)
    actor = current_user.as_actor()
    on = today()
    return render_template(
        "temporary_resources/detail.html",
        row=resource_queries.describe(resource, on),
        on=on,
        risks=resource_queries.risk_for_resource(resource, on, shared_views.programme_savings(on)),
        can_extend=permissions.can_extend_temporary_resource(actor, owner_id=resource.owner_id)
        and resource.actual_end_date is None,
        can_end=permissions.can_end_temporary_resource(actor, owner_id=resource.owner_id)
        and resource.actual_end_date is None,
    )


@bp.route("/<int:resource_id>/extend", methods=["GET", "POST"])
@login_required
def extend(resource_id: int) -> ResponseReturnValue:
    resource = resource_queries.get_resource(resource_id)
    if not permissions.can_extend_temporary_resource(current_user.as_actor(), owner_id=resource.owner_id):
        abort(403)
    form = ExtendForm(version=resource.version)
    if form.validate_on_submit():
        try:
            resource_service.extend_resource(
                resource,
                actor=current_user,
                extension_until=form.extension_until.data,
                reason=form.extension_reason.data,
                expected_version=_version(form.version.data),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("The extension has been recorded.", "success")
            return redirect(url_for("temporary_resources.detail", resource_id=resource.id))
    return render_template("temporary_resources/extend.html", form=form, resource=resource), (
        422 if form.errors else 200
    )


@bp.route("/<int:resource_id>/end", methods=["GET", "POST"])
@login_required
def end(resource_id: int) -> ResponseReturnValue:
    resource = resource_queries.get_resource(resource_id)
    if not permissions.can_end_temporary_resource(current_user.as_actor(), owner_id=resource.owner_id):
        abort(403)
    form = EndForm(version=resource.version)
    if form.validate_on_submit():
        try:
            resource_service.end_resource(
                resource,
                actor=current_user,
                actual_end_date=form.actual_end_date.data,
                expected_version=_version(form.version.data),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("The actual end date has been recorded.", "success")
            return redirect(url_for("temporary_resources.detail", resource_id=resource.id))
    return render_template("temporary_resources/end.html", form=form, resource=resource), (
        422 if form.errors else 200
    )
