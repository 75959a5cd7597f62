"""Backlog pages: the ranking with its explanation, the value/effort matrix (chart and table), the
roadmap by quarter with a form to plan an improvement, and what-if weights."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from changeauth.domain import permissions
from changeauth.domain.dependencies import state_of
from changeauth.domain.errors import PermissionDenied, ValidationFailed
from changeauth.domain.lifecycle import ENDED_STAGES, STAGE_LABELS
from changeauth.domain.roadmap import MIDPOINT, next_quarters, quarter_label
from changeauth.domain.scoring import CriterionSpec
from changeauth.queries import backlog as backlog_queries
from changeauth.queries import clock, reference
from changeauth.queries import dependencies as dependency_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.queries import scoring as scoring_queries
from changeauth.queries.pagination import Page, clamp_page
from changeauth.reporting import charts
from changeauth.services import scoring as scoring_service
from changeauth.services.scoring import Preview
from changeauth.web import shared_views
from changeauth.web.backlog import forms
from changeauth.web.forms import BacklogFilterForm, apply_field_errors, version_read
from changeauth.web.rank_ranges import ensure_rank_ranges

bp = Blueprint("backlog", __name__, url_prefix="/backlog")


def _allow(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied("You do not have permission to do that.")


@bp.app_template_filter("plain_number")
def plain_number(value: Decimal | None) -> str:
    """25.00 -> '25', 12.50 -> '12.5' (weights and points without trailing zeros)."""
    return "" if value is None else f"{Decimal(value).normalize():f}"


@bp.context_processor
def _backlog_context() -> dict[str, Any]:
    return {"may_preview": permissions.can_preview_weights(current_user.as_actor())}


def _filters() -> tuple[BacklogFilterForm, backlog_queries.BacklogFilters]:
    _allow(permissions.can_view_backlog(current_user.as_actor()))
    form = BacklogFilterForm(request.args)
    form.driver.choices = [("", "Any driver")] + [(d.code, d.name) for d in reference.list_drivers()]
    form.stage.choices = [("", "Any stage")] + [
        (stage.value, label) for stage, label in STAGE_LABELS.items() if stage not in ENDED_STAGES
    ]
    form.team.choices = [("", "Any team")] + [(t.code, t.name) for t in reference.list_teams()]
    valid = form.validate()
    return form, backlog_queries.BacklogFilters(
        driver=(form.driver.data or None) if valid else None,
        stage=(form.stage.data or None) if valid else None,
        team=(form.team.data or None) if valid else None,
    )


def _page() -> int:
    return request.args.get("page", 1, type=int)


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    form, filters = _filters()
    ensure_rank_ranges()
    view = backlog_queries.backlog_view(filters, page=_page())
    return render_template(
        "backlog/index.html",
        form=form,
        view=view,
        may_plan=permissions.can_plan_roadmap(current_user.as_actor()),
    )


@bp.route("/matrix")
@login_required
def matrix() -> ResponseReturnValue:
    form, filters = _filters()
    points = backlog_queries.matrix_view(filters, shared_views.backlog_table(), page=_page())
    return render_template("backlog/matrix.html", form=form, points=points, midpoint=MIDPOINT)


@bp.route("/matrix.png")
@login_required
def matrix_chart() -> ResponseReturnValue:
    _, filters = _filters()
    points = backlog_queries.matrix_view(filters, shared_views.backlog_table(), page=_page())
    image = charts.scatter_chart(
        "Value against effort (numbers are backlog ranks)",
        [(float(p.effort), float(p.value), str(p.rank)) for p in points.items],
        x_label="Effort: complexity and reform risk (0 low to 5 high)",
        y_label="Value (0 low to 5 high)",
        x_range=(-0.2, 5.2),
        y_range=(-0.2, 5.2),
    )
    return Response(image, mimetype="image/png")


@bp.route("/roadmap")
@login_required
def roadmap() -> ResponseReturnValue:
    _allow(permissions.can_view_backlog(current_user.as_actor()))
    view = backlog_queries.roadmap_view(page=_page())
    return render_template(
        "backlog/roadmap.html",
        view=view,
        needs=dependency_queries.needs_of([item.entry.id for item in view.page.items], current_user),
        state_of=state_of,
        quarter_label=quarter_label,
        may_plan=permissions.can_plan_roadmap(current_user.as_actor()),
    )


@bp.route("/roadmap/<int:improvement_id>", methods=["GET", "POST"])
@login_required
def plan(improvement_id: int) -> ResponseReturnValue:
    _allow(permissions.can_plan_roadmap(current_user.as_actor()))
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    form = forms.PlanForm(
        data={"planned_quarter": improvement.planned_quarter or "", "version": improvement.version}
    )
    quarters = next_quarters(clock.today(), 12)
    if improvement.planned_quarter and improvement.planned_quarter not in quarters:
        quarters.insert(0, improvement.planned_quarter)
    form.planned_quarter.choices = [("", "Not planned")] + [(q, quarter_label(q)) for q in quarters]
    if form.validate_on_submit():
        try:
            scoring_service.set_planned_quarter(
                improvement,
                actor=current_user,
                expected_version=version_read(form.version.data),
                quarter=form.planned_quarter.data,
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash(f"The roadmap quarter of {improvement.ref} has been saved.", "success")
            return redirect(url_for("backlog.roadmap"))
    return render_template(
        "backlog/plan.html", improvement=improvement, form=form
    ), 422 if form.errors else 200


def _what_if_forms() -> tuple[Any, Any, tuple[CriterionSpec, ...]]:
    """The what-if boxes (filled from the query string) and the adopt form (from the posted body)."""
    _allow(permissions.can_preview_weights(current_user.as_actor()))
    specs = scoring_queries.active_scheme().specs()
    current = {f"weights.{spec.code}": spec.weight for spec in specs}
    what_if_form = forms.weights_form(specs, forms.WhatIfBase, formdata=request.args or None, data=current)
    adopt_form = forms.weights_form(specs, forms.AdoptBase, formdata=request.form or None, data=current)
    return what_if_form, adopt_form, specs


@bp.route("/what-if")
@login_required
def what_if() -> ResponseReturnValue:
    form, adopt_form, specs = _what_if_forms()
    preview = None
    if request.args and form.validate():
        try:
            preview = scoring_service.preview_weights(
                current_user, forms.submitted_weights(form, specs), shared_views.backlog_table()
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
    return _render_what_if(form, adopt_form, specs, preview)


@bp.route("/what-if/adopt", methods=["POST"])
@login_required
def adopt() -> ResponseReturnValue:
    form, adopt_form, specs = _what_if_forms()
    _allow(permissions.can_manage_scoring_schemes(current_user.as_actor()))
    if adopt_form.validate_on_submit() and request.form.get("confirmed") != "yes":
        # Adopting changes every ranking at once: ask once more, showing what will change.
        return render_template(
            "backlog/adopt_confirm.html",
            adopt_form=adopt_form,
            fields=forms.weight_fields(adopt_form, specs),
            current={spec.code: spec.weight for spec in specs},
        )
    if adopt_form.validate_on_submit():
        try:
            scheme = scoring_service.adopt_weights(
                current_user,
                forms.submitted_weights(adopt_form, specs),
                quorum=current_app.config["SCORE_QUORUM"],
                disagreement_threshold=current_app.config["DISAGREEMENT_THRESHOLD"],
                note=adopt_form.note.data or "",
            )
        except ValidationFailed as failure:
            apply_field_errors(adopt_form, failure)
        else:
            flash(
                f"Version {scheme.version} of the scoring scheme is now active with these weights.", "success"
            )
            return redirect(url_for("backlog.index"))
    return _render_what_if(form, adopt_form, specs, None)


def _render_what_if(
    form: Any, adopt_form: Any, specs: tuple[CriterionSpec, ...], preview: Preview | None
) -> ResponseReturnValue:
    rows = preview.rows if preview is not None else []
    page, per_page = clamp_page(_page(), None)
    return render_template(
        "backlog/what_if.html",
        form=form,
        adopt_form=adopt_form,
        fields=forms.weight_fields(form, specs),
        adopt_fields=forms.weight_fields(adopt_form, specs),
        preview=preview,
        page=Page(
            items=rows[(page - 1) * per_page : page * per_page], page=page, per_page=per_page, total=len(rows)
        ),
        may_adopt=permissions.can_manage_scoring_schemes(current_user.as_actor()),
    ), 422 if form.errors or adopt_form.errors else 200
