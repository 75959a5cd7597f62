"""Benefit pages: the tracker across the council and per improvement, one benefit with its chart and
table, and the forms to write a profile, record a measurement, adjust like-for-like and validate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms import SelectChoice

from changeauth.domain import benefits as rules
from changeauth.domain import permissions, units
from changeauth.domain.benefits import ProfileShape, needs_change_request, planned_value, trajectory
from changeauth.domain.errors import AlreadyExists, ValidationFailed
from changeauth.domain.flags import FlagKind
from changeauth.domain.gates import measured_since_go_live
from changeauth.domain.lifecycle import Stage
from changeauth.domain.money import format_money
from changeauth.domain.savings import financial_year, financial_year_label
from changeauth.models import Benefit, Improvement
from changeauth.queries import attachments as attachment_queries
from changeauth.queries import attribution as attribution_queries
from changeauth.queries import benefits as benefit_queries
from changeauth.queries import disbenefits as disbenefit_queries
from changeauth.queries import flags as flag_queries
from changeauth.queries import gates as gate_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.queries import reference
from changeauth.queries import savings as savings_queries
from changeauth.queries.clock import today
from changeauth.queries.users import list_possible_owners
from changeauth.reporting.charts import Series, line_chart
from changeauth.services import attachments, benefit_control, transaction
from changeauth.services import benefit_years as year_service
from changeauth.services import benefits as benefit_service
from changeauth.web.access import allowed_if
from changeauth.web.benefits.forms import (
    BASELINE_QUALITY_WORDS,
    CATEGORY_LABELS,
    CLOSING_LABELS,
    DECISION_LABELS,
    FREQUENCY_LABELS,
    MEASURE_TYPE_HINTS,
    QUALITY_HINTS,
    QUALITY_LABELS,
    SHAPE_HINTS,
    AcceptForm,
    AdjustmentForm,
    AnswerFinanceForm,
    AskOwnerForm,
    BenefitForm,
    BudgetReductionForm,
    ChangeRequestForm,
    ClosingForm,
    ConfirmAdjustmentForm,
    DecideChangeForm,
    HandoverForm,
    MeasurementForm,
    PlanForm,
    PlanYearForm,
    ReopenForm,
    ValidateForm,
    evidence_upload,
)
from changeauth.web.filters import format_date
from changeauth.web.forms import TrackerFilterForm, apply_field_errors

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
    return units.describe(number, unit, text)


@bp.app_template_filter("benefit_change")
def benefit_change(value: Decimal | int | None, unit: str, baseline: Decimal | int | None = None) -> str:
    """A difference in the unit (realised, variance): money as money, a percentage in percentage points,
    except a percentage counted from a baseline of 0%, which is the percentage reached ("86%")."""
    if value is None or unit == GBP:
        return benefit_value(value, unit)
    number = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{int(number):,}" if number == number.to_integral_value() else f"{number.normalize():,f}"
    from_nothing = baseline is not None and Decimal(baseline) == 0
    return units.describe_change(number, unit, text, from_nothing=from_nothing)


@bp.app_template_filter("plan_value")
def plan_value(value: Decimal | None, benefit: Benefit) -> str:
    """A planned value in its unit, to the precision of the unit (``rules.to_plan_precision``)."""
    if value is None:
        return ""
    return benefit_value(_to_plan_precision(value, benefit), benefit.unit)


def _to_plan_precision(value: Decimal, benefit: Benefit) -> Decimal:
    return rules.to_plan_precision(
        Decimal(value), money=benefit.unit == GBP, profile=(benefit.baseline_value, benefit.target_value)
    )


@bp.app_template_filter("plan_variance")
def plan_variance(variance: Decimal | None, benefit: Benefit) -> str:
    """A measurement against its period's plan in words, by the benefit's direction ("£4,500 behind",
    "333 calls per month ahead"): a bare sign would read as better for a measure where down is better."""
    if variance is None:
        return ""
    rounded = _to_plan_precision(Decimal(variance), benefit)
    if rounded == 0:
        return "On plan"
    amount = benefit_change(abs(rounded), benefit.unit)
    return f"{amount} {'ahead' if rules.is_favourable(rounded, benefit.direction) else 'behind'}"


@bp.app_template_filter("unit_phrase")
def unit_phrase(unit: str) -> str:
    return units.phrase(unit)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "frequency_labels": FREQUENCY_LABELS,
        "quality_labels": QUALITY_LABELS,
        "quality_hints": QUALITY_HINTS,
        "baseline_quality_words": BASELINE_QUALITY_WORDS,
        "closing_labels": CLOSING_LABELS,
        "category_labels": CATEGORY_LABELS,
    }


def _grace() -> int:
    return int(current_app.config["BENEFIT_GRACE_DAYS"])


def _profile_form(form: BenefitForm) -> BenefitForm:
    form.driver.choices = [SelectChoice("", "Choose a driver")] + [
        SelectChoice(d.code, d.name) for d in reference.list_drivers()
    ]
    form.owner_id.choices = [SelectChoice(str(u.id), u.name) for u in list_possible_owners()]
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


def _facts(improvement: Improvement | None) -> permissions.ImprovementFacts | None:
    # A programme's benefit has no improvement, so no improvement rule applies to it.
    return improvement_queries.access_to(improvement, current_user).improvement if improvement else None


def _permitted(benefit: Benefit) -> dict[str, bool]:
    """What the signed-in person's roles allow on this benefit, whatever its state."""
    actor = current_user.as_actor()
    improvement = benefit.improvement
    # Read once: validation and the budget sign-off both ask who the improvement's people are and who
    # recorded the figures (neither may be the person signing them off).
    facts = _facts(improvement)
    recorder_ids = benefit_service.measurement_recorder_ids(benefit.id)
    return {
        "edit": permissions.can_edit_benefit_profile(actor, facts),
        "measure": permissions.can_record_measurement(
            actor,
            benefit_owner_id=benefit.owner_id,
            improvement_owner_id=improvement.owner_id if improvement else None,
        ),
        "adjust": permissions.can_record_adjustment(actor),
        "validate": permissions.can_validate_benefit(
            actor, benefit_owner_id=benefit.owner_id, improvement=facts, recorder_ids=recorder_ids
        ),
        "take_out": permissions.can_sign_off_budget_reduction(
            actor, benefit_owner_id=benefit.owner_id, improvement=facts, recorder_ids=recorder_ids
        ),
    }


def _under_change_control(benefit: Benefit) -> bool:
    """Whether the baseline and target change only by a change request the design authority approves."""
    improvement = benefit.improvement
    return improvement is not None and rules.needs_change_request(
        improvement_stage=improvement.stage, held_from_stage=improvement.held_from_stage
    )


def _proposable(benefit: Benefit) -> bool:
    """Whether this person may propose a change to the benefit's baseline or target now."""
    improvement = benefit.improvement
    return (
        not benefit.closing_status
        and _under_change_control(benefit)
        and improvement is not None
        and improvement.stage in benefit_service.PROFILE_STAGES
        and permissions.can_propose_plan_change(
            current_user.as_actor(), benefit_owner_id=benefit.owner_id, improvement=_facts(improvement)
        )
    )


def _by_year(benefit: Benefit) -> bool:
    """A cashable saving in pounds is planned and reported by financial year."""
    return benefit.is_cashable and benefit.unit == GBP


@dataclass(frozen=True)
class ReviewState:
    """Where a benefit stands for the benefits review (G3): the go-live date, and whether a measurement
    for a period after it (the review's evidence) is in."""

    at_review: bool
    went_live_on: date | None
    evidence_in: bool


def _review_state(benefit: Benefit) -> ReviewState:
    improvement = benefit.improvement
    went_live = gate_queries.went_live_on(improvement.id) if improvement is not None else None
    return _review_state_on(benefit, went_live)


def _review_state_on(benefit: Benefit, went_live: date | None) -> ReviewState:
    """The benefit's review state, given its improvement's go-live date (read once for a list)."""
    improvement = benefit.improvement
    if (
        improvement is None
    ):  # a programme's benefit has no gates: the design authority closes or hands it over
        return ReviewState(at_review=True, went_live_on=None, evidence_in=True)
    return ReviewState(
        at_review=improvement.stage == Stage.REALISATION,
        went_live_on=went_live,
        evidence_in=measured_since_go_live(benefit.last_period_end, went_live),
    )


def _can_close(may_edit: bool, benefit: Benefit, review: ReviewState) -> bool:
    """Closing is offered only once the review's evidence is in, as a closed benefit takes no more
    measurements."""
    return may_edit and not benefit.closing_status and review.at_review and review.evidence_in


def _actions(benefit: Benefit, review: ReviewState) -> dict[str, bool]:
    """The actions to offer: allowed to this person and open in the benefit's state. Closing is offered
    only once the review's evidence is in, as a closed benefit takes no more measurements."""
    may = _permitted(benefit)
    open_ = not benefit.closing_status
    improvement = benefit.improvement
    return {
        "can_edit": may["edit"] and open_,
        "can_close": _can_close(may["edit"], benefit, review),
        "can_hand_over": may["edit"] and open_ and review.at_review,
        "can_measure": may["measure"] and open_,
        "can_reopen": not open_
        and review.at_review
        and permissions.can_reopen_benefit(current_user.as_actor(), _facts(improvement)),
        "can_adjust": may["adjust"] and benefit.unit == GBP,
        "can_plan_years": may["edit"]
        and open_
        and _by_year(benefit)
        and (improvement is None or improvement.stage in benefit_service.PROFILE_STAGES),
        "can_take_out": may["take_out"] and _by_year(benefit),
        "can_validate": may["validate"] and benefit.is_cashable and not benefit.is_validated,
        # Dis-benefits are kept by whoever may edit the benefit, while its improvement's benefits may change.
        "can_plan_disbenefits": may["edit"]
        and (improvement is None or improvement.stage in benefit_service.PROFILE_STAGES),
    }


@bp.route("/benefits/")
@allowed_if(permissions.can_view_benefits_and_resources)
def tracker() -> ResponseReturnValue:
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
    can_add = permissions.can_edit_benefit_profile(*improvement_queries.access_to(improvement, current_user))
    # At the benefits review Home sends the owner here to set each closing status, so each benefit ready
    # for one (by the same rule as its own page) carries the way to do it.
    # The permission and the go-live date are the improvement's, so they are read once for the page.
    went_live = gate_queries.went_live_on(improvement.id) if can_add else None
    closable = {
        f.benefit.id
        for f in page.items
        if _can_close(can_add, f.benefit, _review_state_on(f.benefit, went_live))
    }
    return render_template(
        "benefits/improvement.html",
        improvement=improvement,
        page=page,
        can_add=can_add,
        # Dis-benefits are kept by the same people as the benefits, while the improvement may have them.
        can_keep_disbenefits=can_add and improvement.stage in benefit_service.PROFILE_STAGES,
        closable=closable,
        disbenefits=disbenefit_queries.of_improvement(improvement.id),
        years=savings_queries.improvement_years(improvement.id, today()),
        as_of=today(),
    )


@bp.route("/improvements/<int:improvement_id>/benefits/new", methods=["GET", "POST"])
@login_required
def new(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    if not permissions.can_edit_benefit_profile(*improvement_queries.access_to(improvement, current_user)):
        abort(403)
    form = _profile_form(BenefitForm(owner_id=improvement.owner_id))
    if form.validate_on_submit():
        try:
            benefit = benefit_service.create_benefit(
                current_user,
                improvement_id=improvement.id,
                baseline_file=evidence_upload(form.baseline_file),
                **form.profile(),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash(f"The benefit ‘{benefit.title}’ has been added.", "success")
            return _after_profile(benefit)
    return render_template(
        "benefits/form.html", form=form, improvement=improvement, benefit=None, **_hints()
    ), (422 if form.errors else 200)


def _hints() -> dict[str, Any]:
    return {"shape_hints": SHAPE_HINTS, "measure_type_hints": MEASURE_TYPE_HINTS}


def _after_profile(benefit: Benefit) -> ResponseReturnValue:
    """A stepped or custom plan needs its planned values next; any other goes back to the benefit."""
    if benefit.profile_shape.uses_points:
        return redirect(url_for("benefits.plan", benefit_id=benefit.id))
    return redirect(url_for("benefits.detail", benefit_id=benefit.id))


@bp.route("/benefits/<int:benefit_id>")
@login_required
def detail(benefit_id: int) -> ResponseReturnValue:
    return _detail_page(benefit_queries.get_benefit(benefit_id))


def _detail_page(
    benefit: Benefit,
    *,
    validate_form: ValidateForm | None = None,
    ask_form: AskOwnerForm | None = None,
    answer_form: AnswerFinanceForm | None = None,
    confirm_form: ConfirmAdjustmentForm | None = None,
    decide_form: DecideChangeForm | None = None,
) -> ResponseReturnValue:
    """The benefit's page, with any of its forms as submitted (errors and what was typed kept)."""
    forms = (validate_form, ask_form, answer_form, confirm_form, decide_form)
    failed = any(form is not None and form.errors for form in forms)
    improvement = benefit.improvement
    measurements = benefit_queries.list_measurements(benefit.id)
    adjustments = benefit_queries.list_adjustments(benefit.id)
    review = _review_state(benefit)
    actions = _actions(benefit, review)
    points = benefit_queries.planned_points(benefit.id) if benefit.profile_shape.uses_points else []
    years = savings_queries.saving_years(today(), benefit_id=benefit.id) if _by_year(benefit) else []
    requests = benefit_queries.change_requests(benefit.id)
    pending = next((request for request in requests if request.is_pending), None)
    figures = benefit_queries.benefit_figures(benefit, as_of=today(), grace_days=_grace())
    return render_template(
        "benefits/detail.html",
        change_requests=requests,
        pending_request=pending,
        can_decide_change=pending is not None and benefit_control.may_decide(current_user, benefit, pending),
        decide_form=decide_form
        or DecideChangeForm(
            request_id=pending.id if pending else "", version=pending.version if pending else ""
        ),
        decision_labels=DECISION_LABELS,
        accept_form=AcceptForm(version=benefit.version),
        can_accept=not benefit.closing_status
        and not benefit.is_accepted
        and permissions.can_accept_benefit(current_user.as_actor(), benefit_owner_id=benefit.owner_id),
        can_propose=pending is None and _proposable(benefit),
        benefit=benefit,
        figures=figures,
        behind_words=_behind_words(figures),
        rows=benefit_queries.trajectory_table(benefit, measurements, points),
        measurements=measurements,
        adjustments=adjustments,
        confirm_form=confirm_form or ConfirmAdjustmentForm(formdata=None),
        by_category=benefit_queries.adjustments_by_category(adjustments),
        validate_form=validate_form or ValidateForm(version=benefit.version),
        ask_form=ask_form or AskOwnerForm(version=benefit.version),
        answer_form=answer_form or AnswerFinanceForm(version=benefit.version),
        can_answer=benefit.finance_question is not None
        and not benefit.is_validated
        and current_user.id in {benefit.owner_id, improvement.owner_id if improvement else None},
        review=review,
        off_track=flag_queries.open_flag_on_benefit(FlagKind.BENEFIT_OUT_OF_TOLERANCE, benefit.id),
        plan_history=benefit_queries.plan_history(benefit.id),
        shared=attribution_queries.shared_with(benefit),
        disbenefits=disbenefit_queries.against_benefits([benefit.id]).get(benefit.id, []),
        can_keep_disbenefits=actions["can_plan_disbenefits"],
        years=years,
        plan_year_choices=_year_choices(benefit, [row.figures.year for row in years]),
        **actions,
    ), (422 if failed else 200)


def _behind_words(figures: benefit_queries.BenefitFigures) -> str | None:
    """Why the benefit is behind plan today, in words with its figures (``rules.BehindPlan.explain``)."""
    if figures.behind is None:
        return None
    benefit = figures.benefit
    return figures.behind.explain(
        value=lambda value: plan_value(value, benefit),
        measured=lambda value: benefit_value(value, benefit.unit),
        change=lambda value: benefit_change(_to_plan_precision(value, benefit), benefit.unit),
        day=format_date,
        next_due=figures.next_due,
    )


def _chart_value(value: Decimal, unit: str) -> float:
    return float(value / 100) if unit == GBP else float(value)


@bp.route("/benefits/<int:benefit_id>/chart.png")
@login_required
def chart(benefit_id: int) -> ResponseReturnValue:
    benefit = benefit_queries.get_benefit(benefit_id)
    points = benefit_queries.planned_points(benefit.id) if benefit.profile_shape.uses_points else []
    rows = benefit_queries.trajectory_table(benefit, benefit_queries.list_measurements(benefit.id), points)
    unit = "£" if benefit.unit == GBP else benefit.unit
    png = line_chart(
        benefit.title,
        [
            Series("Planned", _planned_line(benefit, rows, points), dashed=True),
            Series(
                "Actual", [(r.on, _chart_value(r.actual, benefit.unit)) for r in rows if r.actual is not None]
            ),
        ],
        y_label=unit,
    )
    return Response(png, mimetype="image/png")


def _planned_line(
    benefit: Benefit, rows: list[benefit_queries.TrajectoryRow], points: list[tuple[date, Decimal]]
) -> list[tuple[date, float]]:
    """The plan's line for the chart: a stepped plan also has its value the day before each step, so the
    line jumps at the step rather than sloping towards it."""
    line = {r.on: r.planned for r in rows}
    if benefit.profile_shape is ProfileShape.STEPPED:
        for when in [*(d for d, _ in points), benefit.target_date]:
            eve = when - timedelta(days=1)
            line[eve] = planned_value(
                eve,
                baseline_date=benefit.baseline_date,
                baseline_value=benefit.baseline_value,
                target_date=benefit.target_date,
                target_value=benefit.target_value,
                shape=benefit.profile_shape,
                points=points,
            )
    return [(on, _chart_value(value, benefit.unit)) for on, value in sorted(line.items())]


@bp.route("/benefits/<int:benefit_id>/edit", methods=["GET", "POST"])
@login_required
def edit(benefit_id: int) -> ResponseReturnValue:
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure(_permitted(benefit)["edit"])
    form = _profile_form(BenefitForm(data=_profile_as_typed(benefit)))
    if form.validate_on_submit():
        try:
            benefit_service.update_benefit(
                benefit.id,
                actor=current_user,
                changes=form.profile(),
                expected_version=_int(form.version.data),
                reason=form.reason.data,
                baseline_file=evidence_upload(form.baseline_file),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
            if _under_change_control(benefit):
                # The baseline and target are not boxes on this page (they change by a change request):
                # a refusal about them is said at the top rather than beside a box that is not shown.
                for name in sorted(rules.PLAN_FIELDS):
                    field = form[name]
                    form.form_errors.extend(
                        message for message in field.errors if message not in form.form_errors
                    )
                    field.errors = []
        else:
            flash("The benefit profile has been updated.", "success")
            return _after_profile(benefit)
    return render_template(
        "benefits/form.html",
        form=form,
        improvement=benefit.improvement,
        benefit=benefit,
        under_change_control=_under_change_control(benefit),
        can_propose=_proposable(benefit),
        **_hints(),
    ), (422 if form.errors else 200)


@bp.route("/benefits/<int:benefit_id>/plan", methods=["GET", "POST"])
@login_required
def plan(benefit_id: int) -> ResponseReturnValue:
    """A stepped or custom plan's values: a row per date, rows added and removed with buttons (no script
    needed). A custom plan with no values yet starts from the straight line at each period end."""
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure(_permitted(benefit)["edit"] and not benefit.closing_status)
    if not benefit.profile_shape.uses_points:
        flash("Choose a stepped or custom plan on the profile first: a straight line has no planned values.")
        return redirect(url_for("benefits.edit", benefit_id=benefit.id))
    points = benefit_queries.planned_points(benefit.id)
    if request.method == "POST":
        form = PlanForm()
    else:
        form = PlanForm(data={"planned_points": _rows_to_type(benefit, points), "version": benefit.version})
    status = 200
    if request.method == "POST" and "add_row" in request.form:
        form.planned_points.append_entry()
    elif request.method == "POST" and "remove_row" in request.form:
        _remove_row(form, request.form.get("remove_row", ""))
    elif form.validate_on_submit():
        try:
            benefit_service.update_benefit(
                benefit.id,
                actor=current_user,
                changes={"planned_points": form.points(benefit.unit)},
                expected_version=_int(form.version.data),
                reason=form.reason.data,
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("The planned values have been saved.", "success")
            return redirect(url_for("benefits.detail", benefit_id=benefit.id, _anchor="trajectory"))
    if form.errors or form.form_errors:
        status = 422
    return render_template(
        "benefits/plan.html",
        form=form,
        benefit=benefit,
        needs_reason=_needs_reason(benefit),
    ), status


def _rows_to_type(benefit: Benefit, points: list[tuple[date, Decimal]]) -> list[dict[str, Any]]:
    """The plan's rows as a person types them; a custom plan with none yet offers each period end of the
    straight line, to change, and a stepped one a single empty row."""
    if not points and benefit.profile_shape is ProfileShape.CUSTOM:
        straight = trajectory(
            baseline_date=benefit.baseline_date,
            baseline_value=benefit.baseline_value,
            target_date=benefit.target_date,
            target_value=benefit.target_value,
            frequency=benefit.frequency,
        )
        points = straight[1:-1]
    rows: list[dict[str, Any]] = [
        {"period_end": when, "planned_value": _typed(value, benefit.unit)} for when, value in points
    ]
    return rows or [{}]


def _remove_row(form: PlanForm, which: str) -> None:
    kept = [row for row in form.planned_points.entries if row.name != which]
    if len(kept) == len(form.planned_points.entries):
        return
    form.planned_points.entries = kept or form.planned_points.entries[:0]
    if not form.planned_points.entries:
        form.planned_points.append_entry()


def _needs_reason(benefit: Benefit) -> bool:
    improvement = benefit.improvement
    return improvement is not None and needs_change_request(
        improvement_stage=improvement.stage, held_from_stage=improvement.held_from_stage
    )


def _profile_as_typed(benefit: Benefit) -> dict[str, Any]:
    """The benefit as its form shows it: driver by code, owner by id, values as a person types them."""
    return {
        "title": benefit.title,
        "driver": benefit.driver.code,
        "cash_class": benefit.cash_class,
        "unit": units.unit_kind(benefit.unit).value,
        "unit_other": benefit.unit if units.unit_kind(benefit.unit) is units.Unit.OTHER else "",
        "direction": benefit.direction,
        "baseline_value": _typed(benefit.baseline_value, benefit.unit),
        "baseline_date": benefit.baseline_date,
        "target_value": _typed(benefit.target_value, benefit.unit),
        "target_date": benefit.target_date,
        "frequency": benefit.frequency,
        "owner_id": benefit.owner_id,
        "tolerance_pct": benefit.tolerance_pct,
        "profile_shape": benefit.profile_shape.value,
        "measure_type": benefit.measure_type.value,
        "baseline_quality": benefit.baseline_quality,
        "baseline_evidence": benefit.baseline_evidence,
        "version": benefit.version,
    }


def _typed(value: Decimal, unit: str) -> str:
    """A stored value as a person would type it back: pounds for money."""
    if unit == GBP:
        return format_money(int(value)).replace("£", "")
    return f"{value.normalize():f}"


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _closed_page(benefit: Benefit, status: int = 200) -> ResponseReturnValue:
    """What a person sees on a form a closed benefit no longer takes: why, and who can reopen it."""
    review = _review_state(benefit)
    return render_template(
        "benefits/closed.html", benefit=benefit, review=review, **_actions(benefit, review)
    ), status


@bp.route("/benefits/<int:benefit_id>/close", methods=["GET", "POST"])
@login_required
def close(benefit_id: int) -> ResponseReturnValue:
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure(_permitted(benefit)["edit"])
    if benefit.closing_status:
        return _closed_page(benefit, 200 if request.method == "GET" else 409)
    form = ClosingForm(version=benefit.version)
    if form.validate_on_submit():
        try:
            benefit_service.set_closing_status(
                benefit.id,
                actor=current_user,
                closing_status=form.closing_status.data or "",
                expected_version=_int(form.version.data),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("The benefit has been closed.", "success")
            return redirect(url_for("benefits.detail", benefit_id=benefit.id))
    return render_template(
        "benefits/close.html", form=form, benefit=benefit, review=_review_state(benefit)
    ), (422 if form.errors else 200)


@bp.route("/benefits/<int:benefit_id>/reopen", methods=["GET", "POST"])
@login_required
def reopen(benefit_id: int) -> ResponseReturnValue:
    benefit = benefit_queries.get_benefit(benefit_id)
    improvement = benefit.improvement
    _ensure(permissions.can_reopen_benefit(current_user.as_actor(), _facts(improvement)))
    form = ReopenForm(version=benefit.version)
    if not benefit.closing_status:
        return render_template("benefits/reopen.html", form=form, benefit=benefit, is_open=True), (
            200 if request.method == "GET" else 409
        )
    if form.validate_on_submit():
        try:
            benefit_service.reopen_benefit(
                benefit.id,
                actor=current_user,
                reason=form.reason.data or "",
                expected_version=_int(form.version.data),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("The benefit is open again; its owner has been told.", "success")
            return redirect(url_for("benefits.detail", benefit_id=benefit.id))
    return render_template(
        "benefits/reopen.html", form=form, benefit=benefit, review=_review_state(benefit)
    ), (422 if form.errors else 200)


@bp.route("/benefits/<int:benefit_id>/hand-over", methods=["GET", "POST"])
@login_required
def hand_over(benefit_id: int) -> ResponseReturnValue:
    """Name the business-as-usual owner who measures the benefit once the programme or improvement ends."""
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure(_permitted(benefit)["edit"])
    if benefit.closing_status:
        return _closed_page(benefit, 200 if request.method == "GET" else 409)
    form = HandoverForm(version=benefit.version, owner_id=benefit.owner_id)
    form.owner_id.choices = [SelectChoice(str(u.id), u.name) for u in list_possible_owners()]
    if form.validate_on_submit():
        try:
            benefit_service.hand_over_benefit(
                benefit.id,
                actor=current_user,
                owner_id=form.owner_id.data,
                handed_over_on=form.handed_over_on.data,
                note=form.note.data or "",
                expected_version=_int(form.version.data),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("The benefit has been handed over; its new owner has been told.", "success")
            return redirect(url_for("benefits.detail", benefit_id=benefit.id))
    return render_template("benefits/hand_over.html", form=form, benefit=benefit), (
        422 if form.errors else 200
    )


@bp.route("/benefits/<int:benefit_id>/measurements/new", methods=["GET", "POST"])
@login_required
def measure(benefit_id: int) -> ResponseReturnValue:
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure(_permitted(benefit)["measure"])
    if benefit.closing_status:
        return _closed_page(benefit, 200 if request.method == "GET" else 409)
    form = MeasurementForm()
    if form.validate_on_submit():
        try:
            benefit_service.record_measurement(
                benefit.id,
                actor=current_user,
                period_end=form.period_end.data,
                value=form.parsed_value(benefit.unit),
                data_quality=form.data_quality.data,
                note=form.note.data or "",
                evidence=form.evidence.data or "",
                evidence_file=evidence_upload(form.evidence_file),
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
                benefit.id,
                actor=current_user,
                category=form.category.data,
                amount_pence=form.amount_pence.data,
                rationale=form.rationale.data or "",
                status=form.status.data or "proposed",
                recurrence=form.recurrence.data or "recurring",
                financial_year=form.financial_year.data,
                evidence=form.evidence.data or "",
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("The like-for-like adjustment has been recorded.", "success")
            return redirect(url_for("benefits.detail", benefit_id=benefit.id))
    return render_template("benefits/adjust.html", form=form, benefit=benefit), (422 if form.errors else 200)


@bp.route("/benefits/<int:benefit_id>/adjustments/confirm", methods=["POST"])
@login_required
def confirm_adjustment(benefit_id: int) -> ResponseReturnValue:
    """Finance confirms a proposed adjustment, with its evidence, so it counts from now on."""
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure(permissions.can_record_adjustment(current_user.as_actor()))
    form = ConfirmAdjustmentForm()
    adjustment_id = _int(form.adjustment_id.data)
    if form.validate_on_submit():
        if adjustment_id is None:
            form.form_errors.append("Choose an adjustment to confirm.")
        else:
            try:
                benefit_service.confirm_adjustment(
                    benefit.id,
                    adjustment_id,
                    actor=current_user,
                    evidence=form.evidence.data or "",
                    expected_version=_int(form.version.data),
                )
            except ValidationFailed as failure:
                apply_field_errors(form, failure)
            except AlreadyExists as failure:
                form.form_errors.append(failure.message)
            else:
                flash(
                    "The adjustment has been confirmed and now counts towards the like-for-like saving.",
                    "success",
                )
                return redirect(url_for("benefits.detail", benefit_id=benefit.id))
    # A refusal is shown on the benefit's page, next to the adjustment, with the evidence as typed.
    transaction.rollback()
    return _detail_page(benefit_queries.get_benefit(benefit_id), confirm_form=form)


@bp.route("/benefits/<int:benefit_id>/validate", methods=["POST"])
@login_required
def validate(benefit_id: int) -> ResponseReturnValue:
    benefit = benefit_queries.get_benefit(benefit_id)
    form = ValidateForm()
    if form.validate_on_submit():
        try:
            benefit_service.validate_benefit(
                benefit_id,
                actor=current_user,
                expected_version=_int(form.version.data),
                note=form.note.data or "",
            )
            upload = form.evidence.data
            if upload and upload.filename and benefit.improvement is not None:
                attachments.add_attachment(
                    benefit.improvement,
                    actor=current_user,
                    title=f"Finance validation of {benefit.title}"[:200],
                    filename=upload.filename,
                    content=upload.read(),
                    storage_dir=attachment_queries.storage_dir(),
                )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
            if failure.fields.keys() - {"note", "evidence"}:
                form.form_errors.extend(
                    message
                    for name, messages in failure.fields.items()
                    if name not in {"note", "evidence"}
                    for message in messages
                )
        else:
            flash("The benefit has been validated by finance.", "success")
            return redirect(url_for("benefits.detail", benefit_id=benefit_id))
    # Nothing of a refused validation stays, and the page shows the benefit as it was.
    transaction.rollback()
    return _detail_page(benefit_queries.get_benefit(benefit_id), validate_form=form)


@bp.route("/benefits/<int:benefit_id>/ask-owner", methods=["POST"])
@login_required
def ask_owner(benefit_id: int) -> ResponseReturnValue:
    form = AskOwnerForm()
    if form.validate_on_submit():
        try:
            benefit_service.ask_owner(
                benefit_id,
                actor=current_user,
                question=form.question.data or "",
                expected_version=_int(form.version.data),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("Your question has been sent to the benefit's owner.", "success")
            return redirect(url_for("benefits.detail", benefit_id=benefit_id))
    return _detail_page(benefit_queries.get_benefit(benefit_id), ask_form=form)


@bp.route("/benefits/<int:benefit_id>/answer-finance", methods=["POST"])
@login_required
def answer_finance(benefit_id: int) -> ResponseReturnValue:
    form = AnswerFinanceForm()
    if form.validate_on_submit():
        try:
            benefit_service.answer_finance(
                benefit_id,
                actor=current_user,
                answer=form.answer.data or "",
                expected_version=_int(form.version.data),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("Your answer has been sent to finance.", "success")
            return redirect(url_for("benefits.detail", benefit_id=benefit_id))
    return _detail_page(benefit_queries.get_benefit(benefit_id), answer_form=form)


# --- Accountable owners and change control (services.benefit_control) ---------------------------------


@bp.route("/benefits/<int:benefit_id>/accept", methods=["POST"])
@login_required
def accept(benefit_id: int) -> ResponseReturnValue:
    """The benefit's owner accepts its profile as it stands."""
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure(permissions.can_accept_benefit(current_user.as_actor(), benefit_owner_id=benefit.owner_id))
    form = AcceptForm()
    if form.validate_on_submit():
        benefit_control.accept_benefit(
            benefit.id, actor=current_user, expected_version=_int(form.version.data)
        )
        flash("You have accepted the benefit's profile.", "success")
    return redirect(url_for("benefits.detail", benefit_id=benefit.id))


@bp.route("/benefits/<int:benefit_id>/change-requests/new", methods=["GET", "POST"])
@login_required
def propose_change(benefit_id: int) -> ResponseReturnValue:
    """Propose a new baseline or target to the design authority (once the business case is approved)."""
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure(
        permissions.can_propose_plan_change(
            current_user.as_actor(),
            benefit_owner_id=benefit.owner_id,
            improvement=_facts(benefit.improvement),
        )
    )
    form = ChangeRequestForm(
        data={
            "baseline_value": _typed(benefit.baseline_value, benefit.unit),
            "baseline_date": benefit.baseline_date,
            "target_value": _typed(benefit.target_value, benefit.unit),
            "target_date": benefit.target_date,
            "version": benefit.version,
        }
    )
    if form.validate_on_submit():
        try:
            benefit_control.propose_plan_change(
                benefit.id,
                actor=current_user,
                expected_version=_int(form.version.data),
                **form.plan(benefit.unit),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash(
                "Your change has been sent to the design authority. The baseline and target stay as they are "
                "until it is approved.",
                "success",
            )
            return redirect(url_for("benefits.detail", benefit_id=benefit.id))
    return render_template(
        "benefits/propose_change.html", form=form, benefit=benefit, blocked=_why_not_proposable(benefit)
    ), (422 if form.errors else 200)


def _why_not_proposable(benefit: Benefit) -> str | None:
    """Why no change can be proposed now, in words, or None when one can."""
    if benefit.closing_status:
        return "This benefit has been closed, so its baseline and target no longer change."
    if not _under_change_control(benefit):
        return (
            "The business case is not approved yet, so the baseline and target are changed on the profile "
            "itself."
        )
    if any(request.is_pending for request in benefit_queries.change_requests(benefit.id)):
        return "A change to this benefit's baseline or target is already waiting for the design authority."
    return None


@bp.route("/benefits/<int:benefit_id>/change-requests/<int:request_id>/decision", methods=["POST"])
@login_required
def decide_change(benefit_id: int, request_id: int) -> ResponseReturnValue:
    """The design authority approves or rejects a proposed change, with a note."""
    form = DecideChangeForm()
    if form.validate_on_submit():
        try:
            benefit_control.decide_plan_change(
                benefit_id,
                request_id,
                actor=current_user,
                approve=form.decision.data == "approve",
                note=form.note.data or "",
                expected_version=_int(form.version.data),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash(
                "The change has been approved and applied."
                if form.decision.data == "approve"
                else "The change has been rejected; the person who proposed it has been told.",
                "success",
            )
            return redirect(url_for("benefits.detail", benefit_id=benefit_id))
    transaction.rollback()
    return _detail_page(benefit_queries.get_benefit(benefit_id), decide_form=form)


# --- Savings by financial year --------------------------------------------------------------------------


def _version_seen(text: str | None) -> int | None:
    """The year's version a hidden field carried back: 0 when nothing was recorded for the year."""
    return int(text) if text and text.isdigit() else None


def _year_choices(benefit: Benefit, recorded: list[int]) -> list[SelectChoice]:
    """The financial years a plan may name: from the year before the baseline to five years past the
    target (or today), and any year already recorded."""
    first = financial_year(benefit.baseline_date) - 1
    last = max(financial_year(benefit.target_date), financial_year(today())) + 5
    years = sorted({*range(first, last + 1), *recorded})
    return [SelectChoice(str(year), financial_year_label(year)) for year in years]


@bp.route("/benefits/<int:benefit_id>/years/plan")
@login_required
def choose_plan_year(benefit_id: int) -> ResponseReturnValue:
    """The detail page's "plan a financial year" choice, sent on to that year's plan."""
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure(_permitted(benefit)["edit"] and _by_year(benefit))
    chosen = request.args.get("financial_year", "")
    year = int(chosen) if chosen.isdigit() else financial_year(today())
    return redirect(url_for("benefits.plan_year", benefit_id=benefit.id, year=year))


@bp.route("/benefits/<int:benefit_id>/years/<int:year>/plan", methods=["GET", "POST"])
@login_required
def plan_year(benefit_id: int, year: int) -> ResponseReturnValue:
    """Plan the saving (and one-off cost) of a cashable benefit for one financial year."""
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure(_permitted(benefit)["edit"] and _by_year(benefit))
    if benefit.closing_status:
        return _closed_page(benefit, 200 if request.method == "GET" else 409)
    rows = savings_queries.saving_years(today(), benefit_id=benefit.id, year=year)
    row = rows[0] if rows else None
    form = PlanYearForm(
        planned_pence=row.figures.planned_pence if row else None,
        one_off_cost_pence=(row.figures.one_off_cost_pence or None) if row else None,
        version=str(row.version if row else 0),
    )
    if form.validate_on_submit():
        try:
            year_service.plan_year(
                benefit.id,
                actor=current_user,
                financial_year=year,
                planned_pence=form.planned_pence.data,
                one_off_cost_pence=form.one_off_cost_pence.data or 0,
                expected_version=_version_seen(form.version.data),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
            if "financial_year" in failure.fields:
                form.form_errors.extend(failure.fields["financial_year"])
        else:
            flash(f"The plan for {financial_year_label(year)} has been saved.", "success")
            return redirect(url_for("benefits.detail", benefit_id=benefit.id, _anchor="financial-years"))
    return render_template(
        "benefits/plan_year.html", form=form, benefit=benefit, label=financial_year_label(year), year=year
    ), (422 if form.errors or form.form_errors else 200)


@bp.route("/benefits/<int:benefit_id>/years/<int:year>/budget", methods=["GET", "POST"])
@login_required
def take_out(benefit_id: int, year: int) -> ResponseReturnValue:
    """Finance signs off a year's saving as taken out of a budget."""
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure(_permitted(benefit)["take_out"] and _by_year(benefit))
    rows = savings_queries.saving_years(today(), benefit_id=benefit.id, year=year)
    row = rows[0] if rows else None
    if row is not None and row.is_taken_out and request.method == "GET":
        flash(f"The saving for {financial_year_label(year)} has already been taken out of a budget.", "info")
        return redirect(url_for("benefits.detail", benefit_id=benefit.id, _anchor="financial-years"))
    form = BudgetReductionForm(
        taken_out_pence=(row.figures.realised_pence or row.figures.planned_pence or None) if row else None,
        version=str(row.version if row else 0),
    )
    if form.validate_on_submit():
        try:
            year_service.take_out_of_budget(
                benefit.id,
                actor=current_user,
                financial_year=year,
                budget_line=form.budget_line.data or "",
                taken_out_pence=form.taken_out_pence.data,
                taken_out_on=form.taken_out_on.data,
                expected_version=_version_seen(form.version.data),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
            if "financial_year" in failure.fields:
                form.form_errors.extend(failure.fields["financial_year"])
        except AlreadyExists as already:
            form.form_errors.append(already.message)
        else:
            flash(
                f"The saving for {financial_year_label(year)} is recorded as taken out of the budget.",
                "success",
            )
            return redirect(url_for("benefits.detail", benefit_id=benefit.id, _anchor="financial-years"))
    return render_template(
        "benefits/take_out.html",
        form=form,
        benefit=benefit,
        year=year,
        label=financial_year_label(year),
        row=row,
    ), (422 if form.errors or form.form_errors else 200)
