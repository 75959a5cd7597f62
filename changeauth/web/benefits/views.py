"""Benefit pages: the tracker across the council and per improvement, one benefit with its chart and
table, and the forms to write a profile, record a measurement, adjust like-for-like and validate."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms import SelectChoice

from changeauth.domain import permissions
from changeauth.domain.errors import AlreadyExists, ValidationFailed
from changeauth.domain.money import format_money
from changeauth.models import Benefit
from changeauth.queries import benefits as benefit_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.queries import reference
from changeauth.queries.clock import today
from changeauth.queries.users import list_active_users
from changeauth.reporting.charts import Series, line_chart
from changeauth.services import benefits as benefit_service
from changeauth.web.benefits.forms import (
    CATEGORY_LABELS,
    CLOSING_LABELS,
    FREQUENCY_LABELS,
    QUALITY_LABELS,
    AdjustmentForm,
    BenefitForm,
    ClosingForm,
    MeasurementForm,
    TrackerFilterForm,
    ValidateForm,
)
from changeauth.web.forms import apply_field_errors

bp = Blueprint("benefits", __name__)
GBP = "GBP"


@bp.app_template_filter("benefit_value")
def benefit_value(value: Decimal | int | None, unit: str) -> str:
    """A value in its unit: money as £2,483,925; anything else as a number with its unit."""
    if value is None:
        return ""
    number = Decimal(value)
    if unit == GBP:
        return format_money(int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    number = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{int(number):,}" if number == number.to_integral_value() else f"{number.normalize():,f}"
    return f"{text}%" if unit == "%" else f"{text} {unit}"


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "frequency_labels": FREQUENCY_LABELS,
        "quality_labels": QUALITY_LABELS,
        "closing_labels": CLOSING_LABELS,
        "category_labels": CATEGORY_LABELS,
    }


def _grace() -> int:
    return int(current_app.config["BENEFIT_GRACE_DAYS"])


def _require_tracker_access() -> None:
    if not permissions.can_view_benefits_and_resources(current_user.as_actor()):
        abort(403)


def _profile_form(form: BenefitForm) -> BenefitForm:
    form.driver.choices = [SelectChoice("", "Choose a driver")] + [
        SelectChoice(d.code, d.name) for d in reference.list_drivers()
    ]
    form.owner_id.choices = [SelectChoice(str(u.id), u.name) for u in list_active_users()]
    return form


def _filter_form() -> TrackerFilterForm:
    form = TrackerFilterForm(request.args)
    form.driver.choices = [SelectChoice("", "Any driver")] + [
        SelectChoice(d.code, d.name) for d in reference.list_drivers()
    ]
    form.team.choices = [SelectChoice("", "Any team")] + [
        SelectChoice(t.code, t.name) for t in reference.list_teams()
    ]
    form.owner.choices = [SelectChoice("", "Anyone")] + [
        SelectChoice(str(i), n) for i, n in benefit_queries.benefit_owners()
    ]
    return form


def _ensure(allowed: bool) -> None:
    """Forms are offered only to people who may use them; the service checks again on submit."""
    if not allowed:
        abort(403)


def _permitted(benefit: Benefit) -> dict[str, bool]:
    """What the signed-in person's roles allow on this benefit, whatever its state."""
    actor = current_user.as_actor()
    improvement = benefit.improvement
    return {
        "edit": permissions.can_edit_benefit_profile(actor, improvement.facts() if improvement else None),
        "measure": permissions.can_record_measurement(
            actor,
            benefit_owner_id=benefit.owner_id,
            improvement_owner_id=improvement.owner_id if improvement else None,
        ),
        "adjust": permissions.can_record_adjustment(actor),
        "validate": permissions.can_validate_benefit(actor, benefit_owner_id=benefit.owner_id),
    }


def _actions(benefit: Benefit) -> dict[str, bool]:
    """The actions to offer: allowed to this person and open in the benefit's state."""
    may = _permitted(benefit)
    open_ = not benefit.closing_status
    at_review = benefit.improvement is None or benefit.improvement.stage == "realisation"
    return {
        "can_edit": may["edit"] and open_,
        "can_close": may["edit"] and open_ and at_review,
        "can_measure": may["measure"] and open_,
        "can_adjust": may["adjust"] and benefit.unit == GBP,
        "can_validate": may["validate"] and benefit.cash_class == "cashable" and not benefit.is_validated,
    }


@bp.route("/benefits/")
@login_required
def tracker() -> ResponseReturnValue:
    _require_tracker_access()
    form = _filter_form()
    valid = form.validate()
    filters = benefit_queries.BenefitFilters(
        driver=(form.driver.data or None) if valid else None,
        team=(form.team.data or None) if valid else None,
        owner_id=int(form.owner.data) if valid and form.owner.data else None,
        rag=(form.rag.data or None) if valid else None,
        stale=valid and form.stale.data == "1",
    )
    page = benefit_queries.list_benefits(
        filters, as_of=today(), grace_days=_grace(), page=request.args.get("page", 1, type=int)
    )
    return render_template("benefits/tracker.html", form=form, page=page, as_of=today())


@bp.route("/improvements/<int:improvement_id>/benefits")
@login_required
def for_improvement(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    page = benefit_queries.list_benefits(
        benefit_queries.BenefitFilters(improvement_id=improvement.id),
        as_of=today(),
        grace_days=_grace(),
        page=request.args.get("page", 1, type=int),
    )
    can_add = permissions.can_edit_benefit_profile(current_user.as_actor(), improvement.facts())
    return render_template(
        "benefits/improvement.html", improvement=improvement, page=page, can_add=can_add, as_of=today()
    )


@bp.route("/improvements/<int:improvement_id>/benefits/new", methods=["GET", "POST"])
@login_required
def new(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    if not permissions.can_edit_benefit_profile(current_user.as_actor(), improvement.facts()):
        abort(403)
    form = _profile_form(BenefitForm(owner_id=improvement.owner_id))
    if form.validate_on_submit():
        try:
            benefit = benefit_service.create_benefit(
                current_user, improvement_id=improvement.id, **form.profile()
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash(f"The benefit ‘{benefit.title}’ has been added.", "success")
            return redirect(url_for("benefits.detail", benefit_id=benefit.id))
    return render_template("benefits/form.html", form=form, improvement=improvement, benefit=None), (
        422 if form.errors else 200
    )


@bp.route("/benefits/<int:benefit_id>")
@login_required
def detail(benefit_id: int) -> ResponseReturnValue:
    benefit = benefit_queries.get_benefit(benefit_id)
    measurements = benefit_queries.list_measurements(benefit.id)
    adjustments = benefit_queries.list_adjustments(benefit.id)
    return render_template(
        "benefits/detail.html",
        benefit=benefit,
        figures=benefit_queries.benefit_figures(benefit, as_of=today(), grace_days=_grace()),
        rows=benefit_queries.trajectory_table(benefit, measurements),
        measurements=measurements,
        adjustments=adjustments,
        by_category=benefit_queries.adjustments_by_category(adjustments),
        validate_form=ValidateForm(version=benefit.version),
        **_actions(benefit),
    )


def _chart_value(value: Decimal, unit: str) -> float:
    return float(value / 100) if unit == GBP else float(value)


@bp.route("/benefits/<int:benefit_id>/chart.png")
@login_required
def chart(benefit_id: int) -> ResponseReturnValue:
    benefit = benefit_queries.get_benefit(benefit_id)
    rows = benefit_queries.trajectory_table(benefit, benefit_queries.list_measurements(benefit.id))
    unit = "£" if benefit.unit == GBP else benefit.unit
    png = line_chart(
        benefit.title,
        [
            Series("Planned", [(r.on, _chart_value(r.planned, benefit.unit)) for r in rows], dashed=True),
            Series(
                "Actual", [(r.on, _chart_value(r.actual, benefit.unit)) for r in rows if r.actual is not None]
            ),
        ],
        y_label=unit,
    )
    return Response(png, mimetype="image/png")


@bp.route("/benefits/<int:benefit_id>/edit", methods=["GET", "POST"])
@login_required
def edit(benefit_id: int) -> ResponseReturnValue:
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure(_permitted(benefit)["edit"])
    form = _profile_form(BenefitForm(obj=benefit, driver=benefit.driver.code, version=benefit.version))
    if request.method == "GET":
        form.baseline_value.data = _typed(benefit.baseline_value, benefit.unit)
        form.target_value.data = _typed(benefit.target_value, benefit.unit)
    if form.validate_on_submit():
        try:
            benefit_service.update_benefit(
                current_user, benefit.id, changes=form.profile(), expected_version=_int(form.version.data)
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("The benefit profile has been updated.", "success")
            return redirect(url_for("benefits.detail", benefit_id=benefit.id))
    return render_template(
        "benefits/form.html", form=form, improvement=benefit.improvement, benefit=benefit
    ), (422 if form.errors else 200)


def _typed(value: Decimal, unit: str) -> str:
    """A stored value as a person would type it back: pounds for money."""
    if unit == GBP:
        return format_money(int(value)).replace("£", "")
    return f"{value.normalize():f}"


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


@bp.route("/benefits/<int:benefit_id>/close", methods=["GET", "POST"])
@login_required
def close(benefit_id: int) -> ResponseReturnValue:
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure(_permitted(benefit)["edit"])
    form = ClosingForm(version=benefit.version)
    if form.validate_on_submit():
        try:
            benefit_service.set_closing_status(
                current_user,
                benefit.id,
                closing_status=form.closing_status.data or "",
                expected_version=_int(form.version.data),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("The benefit has been closed.", "success")
            return redirect(url_for("benefits.detail", benefit_id=benefit.id))
    return render_template("benefits/close.html", form=form, benefit=benefit), (422 if form.errors else 200)


@bp.route("/benefits/<int:benefit_id>/measurements/new", methods=["GET", "POST"])
@login_required
def measure(benefit_id: int) -> ResponseReturnValue:
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure(_permitted(benefit)["measure"])
    form = MeasurementForm()
    if form.validate_on_submit():
        try:
            benefit_service.record_measurement(
                current_user,
                benefit.id,
                period_end=form.period_end.data,
                value=form.parsed_value(benefit.unit),
                data_quality=form.data_quality.data,
                note=form.note.data or "",
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        except AlreadyExists as duplicate:
            form.period_end.errors = [*form.period_end.errors, duplicate.message]
        else:
            flash("The measurement has been recorded.", "success")
            return redirect(url_for("benefits.detail", benefit_id=benefit.id))
    return render_template("benefits/measure.html", form=form, benefit=benefit), (422 if form.errors else 200)


@bp.route("/benefits/<int:benefit_id>/adjustments/new", methods=["GET", "POST"])
@login_required
def adjust(benefit_id: int) -> ResponseReturnValue:
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure(permissions.can_record_adjustment(current_user.as_actor()))
    form = AdjustmentForm()
    if form.validate_on_submit():
        try:
            benefit_service.record_adjustment(
                current_user,
                benefit.id,
                category=form.category.data,
                amount_pence=form.amount_pence.data,
                rationale=form.rationale.data or "",
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("The like-for-like adjustment has been recorded.", "success")
            return redirect(url_for("benefits.detail", benefit_id=benefit.id))
    return render_template("benefits/adjust.html", form=form, benefit=benefit), (422 if form.errors else 200)


@bp.route("/benefits/<int:benefit_id>/validate", methods=["POST"])
@login_required
def validate(benefit_id: int) -> ResponseReturnValue:
    form = ValidateForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        benefit_service.validate_benefit(current_user, benefit_id, expected_version=_int(form.version.data))
    except ValidationFailed as failure:
        flash(" ".join(message for messages in failure.fields.values() for message in messages), "error")
        return redirect(url_for("benefits.detail", benefit_id=benefit_id))
    flash("The benefit has been validated by finance.", "success")
    return redirect(url_for("benefits.detail", benefit_id=benefit_id))
