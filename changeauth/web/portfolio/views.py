"""Portfolio pages: the optimiser (candidates, inputs and the explained answer), saving a run as a
scenario, saved scenarios, comparing up to four, marking the agreed plan, and delivery estimates."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms import SelectChoice

from changeauth.domain import permissions
from changeauth.domain import portfolio as rules
from changeauth.domain.errors import AlreadyExists, PermissionDenied, ValidationFailed
from changeauth.domain.money import format_money
from changeauth.queries import improvements as improvement_queries
from changeauth.queries import portfolio as portfolio_queries
from changeauth.services import improvements as improvement_service
from changeauth.services import portfolio as portfolio_service
from changeauth.web import shared_views
from changeauth.web.forms import apply_field_errors
from changeauth.web.portfolio.forms import (
    AgreeForm,
    DeliveryEstimateForm,
    RunFields,
    RunForm,
    SaveScenarioForm,
)

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")


def _allow(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied("The portfolio optimiser is for the design authority, viewers and admins.")


@bp.app_template_filter("portfolio_value")
def portfolio_value(value: float | int | None, objective: str) -> str:
    """A value as people read it: 72.5 (points) or £1,234 (NPV)."""
    if value is None:
        return "Not known"
    if objective == rules.Objective.NPV.value:
        return format_money(int(value))
    return f"{Decimal(str(value)).normalize():f}"


@bp.app_template_filter("person_months")
def person_months(value: float | None) -> str:
    return "Not estimated" if value is None else f"{Decimal(str(value)).normalize():f}"


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "reason_labels": {reason.value: reason.label for reason in rules.Reason},
        "objective_labels": {objective.value: objective.label for objective in rules.Objective},
        "cost_basis_labels": {basis.value: basis.label for basis in rules.CostBasis},
    }


def _run_inputs(form: RunFields) -> dict[str, Any]:
    return {
        "budget_pence": form.budget_pence.data,
        "capacity": form.capacity.data,
        "objective": form.objective.data,
        "cost_basis": form.cost_basis.data,
        "force_in": form.force_in.data or [],
        "force_out": form.force_out.data or [],
    }


def _show_failure(form: RunFields, failure: ValidationFailed) -> None:
    apply_field_errors(form, failure)
    if not failure.fields:
        form.form_errors.append(failure.message)


def _accept_candidates(form: RunFields, candidate_ids: Collection[int]) -> None:
    """Let the force-in and leave-out boxes accept any candidate's id, and only those.

    The page renders boxes for the candidates it shows, not one per choice, so the choices need be
    only the ids sent that are candidates: any other id is refused as not a valid choice.
    """
    for field in (form.force_in, form.force_out):
        field.choices = [
            SelectChoice(i, str(i)) for i in dict.fromkeys(field.data or []) if i in candidate_ids
        ]


def _result_pages(result: dict[str, Any] | None) -> dict[str, Any]:
    """A page each of the answer's selected and left-out rows: at council scale there are thousands."""
    if result is None:
        return {}
    return {
        "selected_rows": portfolio_queries.page_of(
            result["selected"], request.args.get("selected_page", 1, type=int)
        ),
        "excluded_rows": portfolio_queries.page_of(
            result["excluded"], request.args.get("excluded_page", 1, type=int)
        ),
    }


def _run_query(form: RunForm, forced_in: Collection[int], forced_out: Collection[int]) -> dict[str, Any]:
    """The run's inputs as a query string, for links that show another page of the same answer (the
    candidates' search and page stay as they are)."""
    query: dict[str, Any] = {
        "budget_pence": form.budget_pence._value(),
        "capacity": form.capacity._value(),
        "objective": form.objective.data,
        "cost_basis": form.cost_basis.data,
        "force_in": sorted(forced_in),
        "force_out": sorted(forced_out),
    }
    for name in ("q", "page", "selected_page", "excluded_page"):
        if request.args.get(name):
            query[name] = request.args[name]
    return query


def _browsing(form: RunForm) -> bool:
    """Moving between pages of candidates, or searching them, runs the optimiser only once a budget is
    given: until then there is nothing to run, and nothing to put right."""
    moved = "page" in request.args or "search" in request.args
    return moved and not (form.budget_pence.raw_data or [""])[0].strip()


def _render_index(form: RunForm, save_form: SaveScenarioForm | None = None) -> ResponseReturnValue:
    """The candidates (a page of them, with the choices made on other pages kept), the inputs, and
    (when the inputs are good) the answer with a form to save it."""
    actor = current_user.as_actor()
    candidates = shared_views.portfolio_candidates()
    by_id = {c.id: c for c in candidates}
    _accept_candidates(form, by_id)
    result = None
    if (request.args or save_form is not None) and not _browsing(form) and form.validate():
        try:
            result = portfolio_service.optimise(
                current_user, **_run_inputs(form), shared=shared_views.portfolio_runs
            )
        except ValidationFailed as failure:
            _show_failure(form, failure)
    may_save = permissions.can_save_portfolio_scenario(actor)
    if result is not None and may_save and save_form is None:
        save_form = SaveScenarioForm(formdata=None)
    shown = portfolio_queries.candidate_page(
        candidates, search=form.q.data or "", page=request.args.get("page", 1, type=int)
    )
    forced_in = {i for i in form.force_in.data or [] if i in by_id}
    forced_out = {i for i in form.force_out.data or [] if i in by_id}
    on_page = {c.id for c in shown.items}
    estimable = {
        c.id
        for c in shown.items
        if permissions.can_record_delivery_estimate(
            actor,
            permissions.ImprovementFacts(id=c.id, stage=c.stage, submitter_id=None, owner_id=c.owner_id),
        )
    }
    context = {
        "form": form,
        "candidates": candidates,
        "shown": shown,
        "forced_in": forced_in,
        "forced_out": forced_out,
        "kept_in": [by_id[i] for i in sorted(forced_in - on_page)],
        "kept_out": [by_id[i] for i in sorted(forced_out - on_page)],
        "result": result,
        **_result_pages(result),
        "result_links": ("portfolio.index", _run_query(form, forced_in, forced_out)),
        "save_form": save_form if may_save else None,
        "estimable": estimable,
    }
    failed = form.errors or (save_form is not None and save_form.errors)
    return render_template("portfolio/index.html", **context), 422 if failed else 200


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    _allow(permissions.can_use_portfolio(current_user.as_actor()))
    return _render_index(RunForm(request.args))


@bp.route("/scenarios", methods=["POST"])
@login_required
def save() -> ResponseReturnValue:
    _allow(permissions.can_save_portfolio_scenario(current_user.as_actor()))
    save_form = SaveScenarioForm()
    _accept_candidates(save_form, {c.id for c in shared_views.portfolio_candidates()})
    if save_form.validate_on_submit():
        try:
            saved = portfolio_service.save_scenario(
                current_user,
                name=save_form.name.data or "",
                **_run_inputs(save_form),
                shared=shared_views.portfolio_runs,
            )
        except ValidationFailed as failure:
            # Bad inputs show again on the optimiser's own form, which re-runs them below.
            save_form.name.errors = [*save_form.name.errors, *failure.fields.get("name", [])]
        except AlreadyExists as duplicate:
            save_form.name.errors = [*save_form.name.errors, duplicate.message]
        else:
            flash(f"The scenario “{saved.name}” is saved.", "success")
            return redirect(url_for("portfolio.scenario", scenario_id=saved.id))
    return _render_index(RunForm(request.form), save_form)


@bp.route("/scenarios")
@login_required
def scenarios() -> ResponseReturnValue:
    _allow(permissions.can_use_portfolio(current_user.as_actor()))
    page = portfolio_queries.list_scenarios(page=request.args.get("page", 1, type=int))
    return render_template("portfolio/scenarios.html", page=page, compare_error=None)


@bp.route("/scenarios/<int:scenario_id>")
@login_required
def scenario(scenario_id: int) -> ResponseReturnValue:
    actor = current_user.as_actor()
    _allow(permissions.can_use_portfolio(actor))
    found = portfolio_queries.get_scenario(scenario_id)
    return render_template(
        "portfolio/scenario.html",
        scenario=found,
        result=found.result,
        **_result_pages(found.result),
        result_links=("portfolio.scenario", {"scenario_id": found.id}),
        refs={row["id"]: row["ref"] for row in [*found.result["selected"], *found.result["excluded"]]},
        may_agree=permissions.can_agree_portfolio_plan(actor) and not found.is_agreed,
        agree_form=AgreeForm(version=found.version),
    )


@bp.route("/scenarios/<int:scenario_id>/agree", methods=["POST"])
@login_required
def agree(scenario_id: int) -> ResponseReturnValue:
    found = portfolio_queries.get_scenario(scenario_id)
    form = AgreeForm()
    if not form.validate_on_submit():
        flash("The plan could not be marked. Reload the page and try again.", "error")
        return redirect(url_for("portfolio.scenario", scenario_id=scenario_id))
    portfolio_service.agree_scenario(found, actor=current_user, expected_version=form.version.data)
    flash(f"“{found.name}” is now the agreed plan.", "success")
    return redirect(url_for("portfolio.scenario", scenario_id=scenario_id))


@bp.route("/compare")
@login_required
def compare() -> ResponseReturnValue:
    _allow(permissions.can_use_portfolio(current_user.as_actor()))
    try:
        ids = rules.check_comparison(request.args.getlist("ids", type=int))
    except ValidationFailed as failure:
        page = portfolio_queries.list_scenarios(page=1)
        error = failure.fields["ids"][0]
        return render_template("portfolio/scenarios.html", page=page, compare_error=error), 422
    chosen = portfolio_queries.get_scenarios(ids)
    rows = rules.compare([found.result for found in chosen])
    return render_template("portfolio/compare.html", scenarios=chosen, rows=rows)


@bp.route("/estimates/<int:improvement_id>", methods=["GET", "POST"])
@login_required
def estimate(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    if not permissions.can_record_delivery_estimate(
        *improvement_queries.access_to(improvement, current_user)
    ):
        raise PermissionDenied(
            "Only the owner or the design authority may record the delivery estimate, "
            "while the improvement is in business case, approved or delivery."
        )
    back_to_portfolio = request.args.get("back") == "portfolio"
    form = DeliveryEstimateForm(
        data={"delivery_person_months": improvement.delivery_person_months, "version": improvement.version}
    )
    if form.validate_on_submit():
        try:
            improvement_service.update_improvement(
                improvement,
                actor=current_user,
                expected_version=form.version.data,
                changes={"delivery_person_months": form.delivery_person_months.data},
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash(f"The delivery estimate of {improvement.ref} is saved.", "success")
            if back_to_portfolio:
                return redirect(url_for("portfolio.index"))
            return redirect(url_for("improvements.detail", improvement_id=improvement.id))
    return render_template(
        "portfolio/estimate.html", improvement=improvement, form=form, back_to_portfolio=back_to_portfolio
    ), 422 if form.errors else 200
