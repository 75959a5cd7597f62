"""The portfolio optimiser's rules: candidates, their cost, value and demand, the inputs of a run, the
problem handed to the solver, and the plain-English explanation of its answer.

Pure Python. The exact 0-1 solve itself lives in ``changeauth.services.optimiser`` (scipy); this
module prepares what it solves and explains what it chose, so both are unit-tested without it.

Units, all integers so the solver's answer can be checked exactly:

* cost: pence (``cost_basis`` picks which figure, see ``Candidate.cost``);
* value: tenths of a weighted-score point (objective ``score``) or pence of NPV (objective ``npv``);
* demand on delivery capacity: tenths of a person-month.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from changeauth.domain.appraisal import OptionFigures
from changeauth.domain.errors import ValidationFailed
from changeauth.domain.money import MAX_PENCE, format_money
from changeauth.domain.scoring import ScoreStatus

MAX_BUDGET_PENCE = 100 * MAX_PENCE  # £100bn: far beyond any council's change budget
MAX_CAPACITY = Decimal("1000000")  # person-months
MAX_DELIVERY_ESTIMATE = Decimal("99999.9")  # Numeric(6, 1)
MAX_FORCED = 1000
COMPARE_MAX = 4
SCENARIO_NAME_MAX = 120
TENTH = Decimal("0.1")


class Objective(StrEnum):
    SCORE = "score"
    NPV = "npv"

    @property
    def label(self) -> str:
        return OBJECTIVE_LABELS[self]


OBJECTIVE_LABELS = {
    Objective.SCORE: "Weighted score",
    Objective.NPV: "Net present value (NPV) of the preferred option",
}


class CostBasis(StrEnum):
    FIRST_YEAR = "first_year"
    WHOLE_LIFE = "whole_life"

    @property
    def label(self) -> str:
        return COST_BASIS_LABELS[self]


COST_BASIS_LABELS = {
    CostBasis.FIRST_YEAR: "Capital plus first-year revenue",
    CostBasis.WHOLE_LIFE: "Whole-life cost",
}


class Reason(StrEnum):
    """Why an improvement is not in the selected set."""

    FORCED_OUT = "forced_out"
    MISSING_DATA = "missing_data"
    FAILS_MUST_CRITERIA = "fails_must_criteria"
    NO_VALUE = "no_value"
    OVER_BUDGET = "over_budget"
    OVER_CAPACITY = "over_capacity"
    OUTVALUED = "outvalued"

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS = {
    Reason.FORCED_OUT: "Forced out",
    Reason.MISSING_DATA: "Missing data",
    Reason.FAILS_MUST_CRITERIA: "Fails a must criterion",
    Reason.NO_VALUE: "Adds no value",
    Reason.OVER_BUDGET: "Over budget",
    Reason.OVER_CAPACITY: "Over capacity",
    Reason.OUTVALUED: "Outvalued by the items selected",
}


class Inclusion(StrEnum):
    """Why an improvement is in the selected set."""

    MANDATORY = "mandatory"
    FORCED_IN = "forced_in"
    CHOSEN = "chosen"


# --- candidates -------------------------------------------------------------------------------------


def first_year_cost_pence(option: OptionFigures) -> int:
    """Capital over every year plus the revenue of year 0, cash as entered (undiscounted, no optimism bias).

    Approving a scheme commits all of its capital, while revenue is budgeted a year at a time, so the
    first year's revenue is what lands in the budget being set. Year 0 is the appraisal's first year.
    """
    return sum(year.capital_pence for year in option.years) + sum(
        year.revenue_pence for year in option.years if year.year == 0
    )


def whole_life_cost_pence(option: OptionFigures) -> int:
    """Capital and revenue over every year of the appraisal, cash as entered (undiscounted, no bias)."""
    return sum(year.capital_pence + year.revenue_pence for year in option.years)


@dataclass(frozen=True)
class Candidate:
    """An approved improvement, or one in business case with a business case, as the optimiser sees it.

    ``first_year_cost_pence``, ``whole_life_cost_pence`` and ``npv_pence`` come from the preferred
    option of its business case (None without a case); ``weighted_score`` is the panel's stored score
    (None while unscored); ``delivery_person_months`` is the estimate recorded on the improvement.
    """

    id: int
    ref: str
    title: str
    stage: str
    is_mandatory: bool = False
    first_year_cost_pence: int | None = None
    whole_life_cost_pence: int | None = None
    npv_pence: int | None = None
    weighted_score: Decimal | None = None
    score_status: str = "unscored"
    must_meet_passed: bool | None = None
    delivery_person_months: Decimal | None = None
    case_version: int | None = None
    has_case: bool = False
    owner_id: int | None = None

    @property
    def score_is_provisional(self) -> bool:
        return self.score_status == ScoreStatus.PROVISIONAL

    def cost(self, basis: CostBasis) -> int | None:
        return self.first_year_cost_pence if basis is CostBasis.FIRST_YEAR else self.whole_life_cost_pence

    def value(self, objective: Objective) -> int | None:
        """Tenths of a point for ``score``, pence for ``npv``; None when the figure is missing."""
        if objective is Objective.NPV:
            return self.npv_pence
        if self.weighted_score is None:
            return None
        return int((Decimal(self.weighted_score) * 10).to_integral_value())

    def demand(self) -> int | None:
        """Tenths of a person-month, or None without an estimate."""
        if self.delivery_person_months is None:
            return None
        return int((Decimal(self.delivery_person_months) * 10).to_integral_value())


def value_for_display(units: int, objective: Objective) -> int | float:
    """The value as the API shows it: points (72.5) for ``score``, integer pence for ``npv``."""
    return units if objective is Objective.NPV else units / 10


def format_value(units: int, objective: Objective) -> str:
    if objective is Objective.NPV:
        return format_money(units)
    return f"{Decimal(units) / 10:f} points"


def person_months(tenths: int) -> Decimal:
    return Decimal(tenths) / 10


def format_person_months(tenths: int) -> str:
    amount = person_months(tenths)
    return f"{amount:f} person-month" + ("" if amount == 1 else "s")


# --- inputs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """One run's inputs, checked. ``capacity`` is in person-months (None: capacity is not limited)."""

    budget_pence: int
    objective: Objective
    cost_basis: CostBasis = CostBasis.FIRST_YEAR
    capacity: Decimal | None = None
    force_in: frozenset[int] = frozenset()
    force_out: frozenset[int] = frozenset()

    @property
    def capacity_tenths(self) -> int | None:
        return None if self.capacity is None else int(self.capacity * 10)

    def to_json(self) -> dict[str, Any]:
        return {
            "budget_pence": self.budget_pence,
            "capacity": None if self.capacity is None else float(self.capacity),
            "objective": self.objective.value,
            "cost_basis": self.cost_basis.value,
            "force_in": sorted(self.force_in),
            "force_out": sorted(self.force_out),
        }


def parse_inputs(
    *,
    budget_pence: int | None,
    objective: str | None,
    cost_basis: str | None = None,
    capacity: Decimal | int | float | str | None = None,
    force_in: Sequence[int] = (),
    force_out: Sequence[int] = (),
) -> Inputs:
    """Check a run's inputs as typed or sent; ValidationFailed names each bad field."""
    errors: dict[str, list[str]] = {}
    budget = 0
    if budget_pence is None or isinstance(budget_pence, bool):
        errors["budget_pence"] = ["Enter the budget."]
    elif budget_pence < 0:
        errors["budget_pence"] = ["Enter a budget of £0 or more."]
    elif budget_pence > MAX_BUDGET_PENCE:
        errors["budget_pence"] = [f"Enter a budget of {format_money(MAX_BUDGET_PENCE)} or less."]
    else:
        budget = budget_pence
    try:
        chosen_objective = Objective(objective or "")
    except ValueError:
        errors["objective"] = ["Choose what to maximise: the weighted score or the NPV."]
    try:
        chosen_basis = CostBasis(cost_basis or CostBasis.FIRST_YEAR.value)
    except ValueError:
        errors["cost_basis"] = ["Choose the cost to count: capital plus first-year revenue, or whole-life."]
    limit = _parse_capacity(capacity, errors)
    forced_in, forced_out = frozenset(force_in), frozenset(force_out)
    if len(forced_in) > MAX_FORCED:
        errors["force_in"] = [f"Force in at most {MAX_FORCED:,} improvements."]
    if len(forced_out) > MAX_FORCED:
        errors["force_out"] = [f"Force out at most {MAX_FORCED:,} improvements."]
    both = forced_in & forced_out
    if both:
        message = f"{_ids(both)} cannot be both forced in and forced out. Choose one."
        errors.setdefault("force_in", []).append(message)
        errors.setdefault("force_out", []).append(message)
    if errors:
        raise ValidationFailed(errors)
    return Inputs(
        budget_pence=budget,
        objective=chosen_objective,
        cost_basis=chosen_basis,
        capacity=limit,
        force_in=forced_in,
        force_out=forced_out,
    )


def _parse_capacity(
    value: Decimal | int | float | str | None, errors: dict[str, list[str]]
) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        errors["capacity"] = ["Enter the capacity in person-months, for example 24 or 36.5."]
        return None
    if not amount.is_finite():
        errors["capacity"] = ["Enter the capacity in person-months, for example 24 or 36.5."]
    elif amount < 0:
        errors["capacity"] = ["Enter a capacity of 0 person-months or more."]
    elif amount > MAX_CAPACITY:
        errors["capacity"] = [f"Enter a capacity of {MAX_CAPACITY:,} person-months or less."]
    elif amount != amount.quantize(TENTH, rounding=ROUND_FLOOR):
        errors["capacity"] = ["Enter the capacity to one decimal place at most, for example 36.5."]
    else:
        return amount.quantize(TENTH)
    return None


def check_delivery_estimate(value: Decimal | None) -> list[str]:
    """Messages for a delivery estimate in person-months (None clears it)."""
    if value is None:
        return []
    if not value.is_finite() or value < 0:
        return ["Enter an estimate of 0 person-months or more."]
    if value > MAX_DELIVERY_ESTIMATE:
        return [f"Enter an estimate of {MAX_DELIVERY_ESTIMATE:,} person-months or less."]
    if value != value.quantize(TENTH, rounding=ROUND_FLOOR):
        return ["Enter the estimate to one decimal place at most, for example 4.5."]
    return []


def _lower_first(sentence: str) -> str:
    return sentence[:1].lower() + sentence[1:]


def _ids(ids: Collection[int]) -> str:
    ordered = sorted(ids)
    words = ", ".join(str(i) for i in ordered)
    return f"Improvement {words}" if len(ordered) == 1 else f"Improvements {words}"


# --- the problem ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A candidate with every figure the run needs, in integer units."""

    id: int
    cost: int
    value: int
    demand: int  # 0 when capacity is not limited and there is no estimate


@dataclass(frozen=True)
class Exclusion:
    reason: Reason
    detail: str


@dataclass(frozen=True)
class Problem:
    """What the solver decides (``free``) and what is settled before it runs.

    ``fixed`` are the mandatory and forced-in improvements (always selected); ``ruled_out`` maps the
    ids of candidates that cannot or may not be chosen to why. ``budget_left`` and ``capacity_left``
    are what the fixed set leaves (capacity in tenths of a person-month, None when not limited).
    """

    inputs: Inputs
    candidates: Mapping[int, Candidate]
    items: Mapping[int, Item]
    fixed: tuple[int, ...]
    free: tuple[int, ...]
    ruled_out: Mapping[int, Exclusion]
    budget_left: int
    capacity_left: int | None
    warnings: tuple[str, ...] = ()


NO_CANDIDATES = (
    "There is nothing to choose from: no improvement is approved, or in business case with a business case."
)


def missing_figures(candidate: Candidate, inputs: Inputs) -> str | None:
    """What the run needs but the candidate lacks, in words; None when nothing is missing."""
    if not candidate.has_case:
        return "It has no business case, so it has no cost."
    if candidate.cost(inputs.cost_basis) is None:
        return "Its business case has no preferred option, so it has no cost."
    if candidate.value(inputs.objective) is None:
        if inputs.objective is Objective.NPV:
            return "Its business case has no preferred option, so it has no NPV."
        return "It has not been scored yet, so it has no weighted score."
    if inputs.capacity is not None and candidate.demand() is None:
        return "It has no delivery estimate, and this run limits delivery capacity."
    return None


def build_problem(candidates: Sequence[Candidate], inputs: Inputs) -> Problem:
    """Sort the candidates into fixed (mandatory and forced in), free and ruled out, and check that the
    fixed set fits. ValidationFailed for unknown or unusable forced ids, a statutory improvement forced
    out, a fixed set that breaks a limit, or no candidates at all."""
    if not candidates:
        raise ValidationFailed({}, message=NO_CANDIDATES)
    by_id = {candidate.id: candidate for candidate in sorted(candidates, key=lambda c: c.id)}
    errors: dict[str, list[str]] = {}
    for name, ids in (("force_in", inputs.force_in), ("force_out", inputs.force_out)):
        unknown = ids - by_id.keys()
        if unknown:
            errors[name] = [
                f"{_ids(unknown)}: not a candidate. Candidates are approved improvements and those in "
                "business case with a business case."
            ]
    statutory_out = sorted(i for i in inputs.force_out if i in by_id and by_id[i].is_mandatory)
    if statutory_out:
        refs = ", ".join(by_id[i].ref for i in statutory_out)
        errors.setdefault("force_out", []).append(
            f"{refs}: statutory, so always included. It cannot be forced out."
        )
    unusable_in = [i for i in sorted(inputs.force_in) if i in by_id and missing_figures(by_id[i], inputs)]
    for i in unusable_in:
        errors.setdefault("force_in", []).append(
            f"{by_id[i].ref} cannot be forced in: {_lower_first(missing_figures(by_id[i], inputs) or '')}"
        )
    if errors:
        raise ValidationFailed(errors)

    items: dict[int, Item] = {}
    ruled_out: dict[int, Exclusion] = {}
    warnings: list[str] = []
    fixed: list[int] = []
    for candidate in by_id.values():
        missing = missing_figures(candidate, inputs)
        if candidate.id in inputs.force_out:
            ruled_out[candidate.id] = Exclusion(Reason.FORCED_OUT, "Left out on request.")
            continue
        if missing:
            ruled_out[candidate.id] = Exclusion(Reason.MISSING_DATA, missing)
            if candidate.is_mandatory:
                warnings.append(
                    f"{candidate.ref} is statutory, but is left out of the plan: {_lower_first(missing)}"
                )
            continue
        items[candidate.id] = Item(
            id=candidate.id,
            cost=candidate.cost(inputs.cost_basis) or 0,
            value=candidate.value(inputs.objective) or 0,
            demand=candidate.demand() or 0,
        )
        if candidate.is_mandatory or candidate.id in inputs.force_in:
            fixed.append(candidate.id)

    fixed_cost = sum(items[i].cost for i in fixed)
    fixed_demand = sum(items[i].demand for i in fixed)
    _check_fixed_fits(by_id, fixed, fixed_cost, fixed_demand, inputs)
    budget_left = inputs.budget_pence - fixed_cost
    capacity_left = None if inputs.capacity_tenths is None else inputs.capacity_tenths - fixed_demand

    free: list[int] = []
    for item in items.values():
        if item.id in fixed:
            continue
        exclusion = _presolve_exclusion(by_id[item.id], item, inputs, budget_left, capacity_left, bool(fixed))
        if exclusion is None:
            free.append(item.id)
        else:
            ruled_out[item.id] = exclusion
    return Problem(
        inputs=inputs,
        candidates=by_id,
        items=items,
        fixed=tuple(fixed),
        free=tuple(free),
        ruled_out=ruled_out,
        budget_left=budget_left,
        capacity_left=capacity_left,
        warnings=tuple(warnings),
    )


def _fixed_words(by_id: Mapping[int, Candidate], fixed: Sequence[int], inputs: Inputs) -> str:
    statutory = any(by_id[i].is_mandatory for i in fixed)
    forced = any(i in inputs.force_in for i in fixed)
    if statutory and forced:
        return "The statutory and forced-in improvements together"
    return "The statutory improvements alone" if statutory else "The forced-in improvements alone"


def _check_fixed_fits(
    by_id: Mapping[int, Candidate], fixed: Sequence[int], cost: int, demand: int, inputs: Inputs
) -> None:
    errors: dict[str, list[str]] = {}
    if cost > inputs.budget_pence:
        over = cost - inputs.budget_pence
        errors["budget_pence"] = [
            f"{_fixed_words(by_id, fixed, inputs)} cost {format_money(cost)}: {format_money(over)} more than "
            f"the budget of {format_money(inputs.budget_pence)}. Raise the budget by at least "
            f"{format_money(over)}" + (", or force fewer in." if inputs.force_in else ".")
        ]
    capacity = inputs.capacity_tenths
    if capacity is not None and demand > capacity:
        over = demand - capacity
        errors["capacity"] = [
            f"{_fixed_words(by_id, fixed, inputs)} need {format_person_months(demand)}: "
            f"{format_person_months(over)} more than the capacity of {format_person_months(capacity)}. "
            f"Raise the capacity by at least {format_person_months(over)}"
            + (", or force fewer in." if inputs.force_in else ".")
        ]
    if errors:
        raise ValidationFailed(errors, message="The improvements that must be included break a limit.")


def _presolve_exclusion(
    candidate: Candidate,
    item: Item,
    inputs: Inputs,
    budget_left: int,
    capacity_left: int | None,
    anything_fixed: bool,
) -> Exclusion | None:
    after = " after the statutory and forced-in improvements" if anything_fixed else ""
    if candidate.must_meet_passed is False:
        return Exclusion(
            Reason.FAILS_MUST_CRITERIA,
            "The scoring panel found it fails a must criterion, so it is left out unless forced in.",
        )
    if item.value <= 0:
        figure = format_value(item.value, inputs.objective)
        return Exclusion(
            Reason.NO_VALUE,
            f"Its {'NPV' if inputs.objective is Objective.NPV else 'weighted score'} is {figure}: "
            "choosing it would add nothing, so it is left out unless forced in.",
        )
    if item.cost > budget_left:
        return Exclusion(
            Reason.OVER_BUDGET,
            f"It costs {format_money(item.cost)}, more than the {format_money(budget_left)} the budget "
            f"leaves{after}.",
        )
    if capacity_left is not None and item.demand > capacity_left:
        return Exclusion(
            Reason.OVER_CAPACITY,
            f"It needs {format_person_months(item.demand)}, more than the "
            f"{format_person_months(capacity_left)} of capacity left{after}.",
        )
    return None


# --- the answer explained ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Displacement:
    """The selected (not fixed) improvements whose removal would make room, losing the least value;
    ``ids`` is None when even dropping every one of them would not make room."""

    ids: tuple[int, ...] | None
    value: int = 0


@dataclass(frozen=True)
class Waterline:
    id: int
    extra_budget_pence: int
    extra_capacity_tenths: int | None
    displacement: Displacement | None


@dataclass(frozen=True)
class Result:
    problem: Problem
    selected: tuple[int, ...]
    proven_optimal: bool = True
    waterline: Waterline | None = None
    exclusions: Mapping[int, Exclusion] = field(default_factory=dict)

    @property
    def total_cost(self) -> int:
        return sum(self.problem.items[i].cost for i in self.selected)

    @property
    def total_value(self) -> int:
        return sum(self.problem.items[i].value for i in self.selected)

    @property
    def demand_used(self) -> int:
        return sum(self.problem.items[i].demand for i in self.selected)


def headroom(problem: Problem, chosen: Collection[int]) -> tuple[int, int | None]:
    """Budget (pence) and capacity (tenths, None when unlimited) the free items ``chosen`` leave."""
    budget = problem.budget_left - sum(problem.items[i].cost for i in chosen)
    capacity = None
    if problem.capacity_left is not None:
        capacity = problem.capacity_left - sum(problem.items[i].demand for i in chosen)
    return budget, capacity


def waterline_candidate(problem: Problem, chosen: Collection[int]) -> int | None:
    """The best-valued improvement left out that could be chosen at all (has the figures, is not
    forced out, fails no must criterion and adds value); ties go to the cheaper, then the older id."""
    chosen_set = set(chosen)
    pool = [
        item
        for item in problem.items.values()
        if item.id not in chosen_set
        and item.id not in problem.fixed
        and item.value > 0
        and (
            item.id not in problem.ruled_out
            or problem.ruled_out[item.id].reason in (Reason.OVER_BUDGET, Reason.OVER_CAPACITY)
        )
    ]
    if not pool:
        return None
    return min(pool, key=lambda item: (-item.value, item.cost, item.id)).id


def displacement_need(problem: Problem, chosen: Collection[int], item_id: int) -> tuple[int, int]:
    """How much budget (pence) and capacity (tenths) item ``item_id`` lacks next to ``chosen``."""
    item = problem.items[item_id]
    budget, capacity = headroom(problem, chosen)
    need_capacity = 0 if capacity is None else max(0, item.demand - capacity)
    return max(0, item.cost - budget), need_capacity


def explain(
    problem: Problem,
    chosen: Collection[int],
    *,
    displacement: Displacement | None = None,
    proven_optimal: bool = True,
) -> Result:
    """The result of choosing the free items ``chosen``: every candidate left out gets its reason."""
    chosen_set = set(chosen)
    unknown = chosen_set - set(problem.free)
    if unknown:
        raise ValueError(f"chosen items {sorted(unknown)} were not free to choose")
    selected = tuple(sorted(set(problem.fixed) | chosen_set))
    budget, capacity = headroom(problem, chosen_set)
    if budget < 0 or (capacity is not None and capacity < 0):
        raise ValueError("the chosen items break a limit")
    exclusions: dict[int, Exclusion] = dict(problem.ruled_out)
    for item_id in problem.free:
        if item_id in chosen_set:
            continue
        exclusions[item_id] = _outvalued(problem.items[item_id], budget, capacity)
    line_id = waterline_candidate(problem, chosen_set)
    waterline = None
    if line_id is not None:
        need_budget, need_capacity = displacement_need(problem, chosen_set, line_id)
        waterline = Waterline(
            id=line_id,
            extra_budget_pence=need_budget,
            extra_capacity_tenths=None if problem.capacity_left is None else need_capacity,
            displacement=displacement,
        )
    return Result(
        problem=problem,
        selected=selected,
        proven_optimal=proven_optimal,
        waterline=waterline,
        exclusions=exclusions,
    )


def _outvalued(item: Item, budget: int, capacity: int | None) -> Exclusion:
    needs = []
    if item.cost > budget:
        needs.append(f"{format_money(item.cost - budget)} more budget")
    if capacity is not None and item.demand > capacity:
        needs.append(f"{format_person_months(item.demand - capacity)} more capacity")
    if not needs:
        # Only a solve stopped by its time limit can leave out something that still fits.
        return Exclusion(Reason.OUTVALUED, "The solver ran out of time before it could consider it.")
    return Exclusion(
        Reason.OUTVALUED,
        f"It would need {' and '.join(needs)} than the selected set leaves; making room would mean "
        "dropping selected improvements worth at least as much.",
    )


# --- the result as stored and sent -------------------------------------------------------------------


def _months(tenths: int | None) -> float | None:
    return None if tenths is None else float(person_months(tenths))


def result_json(result: Result) -> dict[str, Any]:
    """The API's answer (``POST /portfolio/optimise``, docs/api.md) with the fields added for people.

    Values are points for ``score`` and integer pence for ``npv``; capacity figures are person-months
    (None when the run does not limit capacity). The same shape is stored with a saved scenario.
    """
    problem = result.problem
    inputs = problem.inputs
    objective = inputs.objective
    limited = inputs.capacity is not None

    def reference(item_id: int) -> dict[str, Any]:
        candidate = problem.candidates[item_id]
        return {"id": candidate.id, "ref": candidate.ref, "title": candidate.title}

    selected = []
    for item_id in result.selected:
        item = problem.items[item_id]
        candidate = problem.candidates[item_id]
        why = Inclusion.MANDATORY if candidate.is_mandatory else Inclusion.CHOSEN
        if not candidate.is_mandatory and item_id in inputs.force_in:
            why = Inclusion.FORCED_IN
        selected.append(
            {
                **reference(item_id),
                "cost_pence": item.cost,
                "value": value_for_display(item.value, objective),
                "delivery_person_months": _months(candidate.demand()),
                "included_because": why.value,
            }
        )
    selected.sort(key=lambda row: (-problem.items[row["id"]].value, row["id"]))
    excluded = []
    for item_id in sorted(result.exclusions):
        exclusion = result.exclusions[item_id]
        candidate = problem.candidates[item_id]
        cost, value = candidate.cost(inputs.cost_basis), candidate.value(objective)
        excluded.append(
            {
                **reference(item_id),
                "reason": exclusion.reason.value,
                "detail": exclusion.detail,
                "cost_pence": cost,
                "value": None if value is None else value_for_display(value, objective),
                "delivery_person_months": _months(candidate.demand()),
            }
        )
    excluded.sort(key=lambda row: (row["value"] is None, -(row["value"] or 0), row["id"]))
    used = result.demand_used
    return {
        "objective": objective.value,
        "cost_basis": inputs.cost_basis.value,
        "budget_pence": inputs.budget_pence,
        "capacity": _months(inputs.capacity_tenths),
        "selected": selected,
        "excluded": excluded,
        "total_cost_pence": result.total_cost,
        "total_value": value_for_display(result.total_value, objective),
        "budget_left_pence": inputs.budget_pence - result.total_cost,
        "capacity_used": _months(used) if limited else None,
        "capacity_left": _months((inputs.capacity_tenths or 0) - used) if limited else None,
        "waterline": _waterline_json(result, reference),
        "proven_optimal": result.proven_optimal,
        "warnings": list(problem.warnings),
    }


def _waterline_json(result: Result, reference: Any) -> dict[str, Any] | None:
    line = result.waterline
    if line is None:
        return None
    problem = result.problem
    objective = problem.inputs.objective
    item = problem.items[line.id]
    displacement = line.displacement
    displace = None if displacement is None or displacement.ids is None else list(displacement.ids)
    return {
        **reference(line.id),
        "cost_pence": item.cost,
        "value": value_for_display(item.value, objective),
        "delivery_person_months": _months(problem.candidates[line.id].demand()),
        "extra_budget_pence": line.extra_budget_pence,
        "extra_capacity": _months(line.extra_capacity_tenths),
        "displace": displace,
        "displaced_value": (
            None if displace is None else value_for_display(displacement.value, objective)  # type: ignore[union-attr]
        ),
        "summary": waterline_summary(result),
    }


def waterline_summary(result: Result) -> str:
    """One paragraph: what the best-valued improvement left out would need to get in."""
    line = result.waterline
    if line is None:
        return ""
    problem = result.problem
    objective = problem.inputs.objective
    candidate = problem.candidates[line.id]
    item = problem.items[line.id]
    needs = []
    if line.extra_budget_pence:
        needs.append(f"{format_money(line.extra_budget_pence)} more budget")
    if line.extra_capacity_tenths:
        needs.append(f"{format_person_months(line.extra_capacity_tenths)} more delivery capacity")
    text = (
        f"{candidate.ref} ({format_value(item.value, objective)}) is the best-valued improvement left out. "
        f"To add it without dropping anything would take {' and '.join(needs) or 'nothing more'}."
    )
    displacement = line.displacement
    if displacement is None:
        return text
    if displacement.ids is None:
        return text + " Dropping chosen improvements could not make room for it."
    if not displacement.ids:
        return text
    refs = ", ".join(problem.candidates[i].ref for i in displacement.ids)
    return (
        text + f" Within these limits it would have to displace {refs}, together worth "
        f"{format_value(displacement.value, objective)}."
    )


# --- scenarios side by side -------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonRow:
    """One improvement selected in at least one of the scenarios compared."""

    id: int
    ref: str
    title: str
    selected_in: tuple[bool, ...]

    @property
    def differs(self) -> bool:
        return len(set(self.selected_in)) > 1


def check_comparison(scenario_ids: Sequence[int]) -> list[int]:
    """Two to four different scenarios, in the order given."""
    ids = list(dict.fromkeys(scenario_ids))
    if not COMPARE_MAX >= len(ids) >= 2:
        raise ValidationFailed({"ids": [f"Choose between 2 and {COMPARE_MAX} scenarios to compare."]})
    return ids


def compare(results: Sequence[Mapping[str, Any]]) -> list[ComparisonRow]:
    """Every improvement selected in any of ``results`` (stored ``result_json`` answers), marking where
    it is selected; the rows that differ come first, then by reference."""
    names: dict[int, tuple[str, str]] = {}
    chosen: list[set[int]] = []
    for result in results:
        ids = set()
        for row in result.get("selected", []):
            ids.add(row["id"])
            names.setdefault(row["id"], (row.get("ref", str(row["id"])), row.get("title", "")))
        chosen.append(ids)
    rows = [
        ComparisonRow(id=i, ref=ref, title=title, selected_in=tuple(i in ids for ids in chosen))
        for i, (ref, title) in names.items()
    ]
    return sorted(rows, key=lambda row: (not row.differs, row.ref, row.id))
