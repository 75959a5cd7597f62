"""The portfolio optimiser against brute force: on random instances of up to 15 candidates the solver
finds the same best value, respects the budget and the capacity, honours the statutory, forced-in and
forced-out improvements, explains every candidate left out, and names the cheapest displacement for
the waterline."""

from __future__ import annotations

from decimal import Decimal
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changeauth.domain import portfolio as rules
from changeauth.domain.errors import ValidationFailed
from changeauth.domain.portfolio import Candidate, Reason
from changeauth.services import optimiser

# --- instances ----------------------------------------------------------------------------------------


@st.composite
def candidates(draw: st.DrawFn) -> list[Candidate]:
    count = draw(st.integers(min_value=1, max_value=15))
    # Mixed scales: small awkward numbers, and round thousands of pounds (which the solver divides down).
    cost = st.one_of(st.integers(0, 5_000), st.integers(0, 2_000).map(lambda n: n * 100_000))
    result = []
    for i in range(1, count + 1):
        missing_case = draw(st.integers(0, 9)) == 0
        result.append(
            Candidate(
                id=i,
                ref=f"IMP-{i}",
                title=f"Improvement {i}",
                stage="approved",
                is_mandatory=draw(st.integers(0, 14)) == 0,
                has_case=not missing_case,
                first_year_cost_pence=None if missing_case else draw(cost),
                whole_life_cost_pence=None if missing_case else draw(cost),
                npv_pence=None if missing_case else draw(st.integers(-300_000, 3_000_000)),
                weighted_score=draw(
                    st.one_of(st.none(), st.integers(0, 1000).map(lambda n: Decimal(n) / 10))
                    if draw(st.integers(0, 7)) == 0
                    else st.integers(0, 1000).map(lambda n: Decimal(n) / 10)
                ),
                must_meet_passed=draw(st.sampled_from([None, True, True, True, True, False])),
                delivery_person_months=draw(
                    st.one_of(st.none(), st.integers(0, 240).map(lambda n: Decimal(n) / 10))
                    if draw(st.integers(0, 7)) == 0
                    else st.integers(0, 240).map(lambda n: Decimal(n) / 10)
                ),
            )
        )
    return result


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Candidate], rules.Inputs]:
    pool = draw(candidates())
    basis = draw(st.sampled_from(list(rules.CostBasis)))
    # Limits between nothing and everything, so most instances bind and some forced sets break them.
    total_cost = sum(c.cost(basis) or 0 for c in pool)
    total_demand = sum(c.demand() or 0 for c in pool)
    share = st.integers(0, 100)
    plain = rules.Inputs(
        budget_pence=total_cost * draw(share) // 100,
        objective=draw(st.sampled_from(list(rules.Objective))),
        cost_basis=basis,
        capacity=draw(st.one_of(st.none(), share.map(lambda p: Decimal(total_demand * p // 100) / 10))),
    )
    choice = st.sampled_from([None] * 8 + ["in", "out"])
    forced = draw(st.lists(choice, min_size=len(pool), max_size=len(pool)))
    # Forcing in an improvement without figures, or forcing out a statutory one, is refused (tested
    # separately), so the instances force only what may be forced.
    inputs = rules.Inputs(
        budget_pence=plain.budget_pence,
        objective=plain.objective,
        cost_basis=plain.cost_basis,
        capacity=plain.capacity,
        force_in=frozenset(
            c.id
            for c, f in zip(pool, forced, strict=True)
            if f == "in" and not rules.missing_figures(c, plain)
        ),
        force_out=frozenset(
            c.id for c, f in zip(pool, forced, strict=True) if f == "out" and not c.is_mandatory
        ),
    )
    return pool, inputs


# --- brute force ----------------------------------------------------------------------------------------


def brute_force(pool: list[Candidate], inputs: rules.Inputs) -> int | None:
    """The best total value over every allowed subset, or None when the required set cannot fit."""
    usable = [c for c in pool if c.id not in inputs.force_out and not rules.missing_figures(c, inputs)]
    required = [c for c in usable if c.is_mandatory or c.id in inputs.force_in]
    optional = [c for c in usable if c not in required and c.must_meet_passed is not False]
    capacity = inputs.capacity_tenths

    def figures(c: Candidate) -> tuple[int, int, int]:
        return c.cost(inputs.cost_basis) or 0, c.value(inputs.objective) or 0, c.demand() or 0

    base_cost = sum(figures(c)[0] for c in required)
    base_value = sum(figures(c)[1] for c in required)
    base_demand = sum(figures(c)[2] for c in required)
    if base_cost > inputs.budget_pence or (capacity is not None and base_demand > capacity):
        return None
    n = len(optional)
    cost, value, demand = [0] * (1 << n), [0] * (1 << n), [0] * (1 << n)
    best = base_value
    for mask in range(1, 1 << n):
        low = (mask & -mask).bit_length() - 1
        rest = mask & (mask - 1)
        c, v, d = figures(optional[low])
        cost[mask], value[mask], demand[mask] = cost[rest] + c, value[rest] + v, demand[rest] + d
        if base_cost + cost[mask] > inputs.budget_pence:
            continue
        if capacity is not None and base_demand + demand[mask] > capacity:
            continue
        best = max(best, base_value + value[mask])
    return best


def cheapest_displacement(problem: rules.Problem, chosen: list[int], line: int) -> int | None:
    """Brute force: the least value of chosen free items whose removal lets ``line`` fit."""
    need_budget, need_capacity = rules.displacement_need(problem, chosen, line)
    best = None
    for size in range(len(chosen) + 1):
        for subset in combinations(chosen, size):
            freed_cost = sum(problem.items[i].cost for i in subset)
            freed_demand = sum(problem.items[i].demand for i in subset)
            if freed_cost >= need_budget and freed_demand >= need_capacity:
                value = sum(problem.items[i].value for i in subset)
                best = value if best is None else min(best, value)
    return best


def costed(
    i: int, cost: int, *, score: str | None = None, npv: int | None = None, months: str | None = None
) -> Candidate:
    """A candidate with a business case costing ``cost`` on both bases."""
    return Candidate(
        id=i,
        ref=f"IMP-{i}",
        title=f"Improvement {i}",
        stage="approved",
        has_case=True,
        first_year_cost_pence=cost,
        whole_life_cost_pence=cost,
        npv_pence=npv,
        weighted_score=None if score is None else Decimal(score),
        delivery_person_months=None if months is None else Decimal(months),
    )


# --- the properties ---------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, database=None)
@given(instances())
def test_the_solver_matches_brute_force_and_respects_every_limit(
    instance: tuple[list[Candidate], rules.Inputs],
) -> None:
    pool, inputs = instance
    expected = brute_force(pool, inputs)
    if expected is None:
        with pytest.raises(ValidationFailed) as refused:
            rules.build_problem(pool, inputs)
        assert set(refused.value.fields) <= {"budget_pence", "capacity"} and refused.value.fields
        return
    problem = rules.build_problem(pool, inputs)
    result = optimiser.optimise(problem)
    assert result.proven_optimal
    assert result.total_value == expected

    selected = set(result.selected)
    assert result.total_cost <= inputs.budget_pence
    if inputs.capacity_tenths is not None:
        assert result.demand_used <= inputs.capacity_tenths
    by_id = {c.id: c for c in pool}
    usable = {c.id for c in pool if not rules.missing_figures(c, inputs)}
    assert {i for i in usable if by_id[i].is_mandatory} <= selected
    assert inputs.force_in <= selected
    assert not inputs.force_out & selected
    assert selected <= usable
    # Every candidate is either selected or explained, never both.
    assert set(result.exclusions) | selected == set(by_id)
    assert not set(result.exclusions) & selected

    budget_left = inputs.budget_pence - result.total_cost
    capacity_left = None if inputs.capacity_tenths is None else inputs.capacity_tenths - result.demand_used
    for item_id, exclusion in result.exclusions.items():
        if exclusion.reason is Reason.OUTVALUED:
            item = problem.items[item_id]
            # Left out though it adds value: so it cannot fit beside the selected set.
            assert item.value > 0
            assert item.cost > budget_left or (capacity_left is not None and item.demand > capacity_left)
        if exclusion.reason is Reason.FORCED_OUT:
            assert item_id in inputs.force_out
        if exclusion.reason is Reason.MISSING_DATA:
            assert item_id not in usable

    line = result.waterline
    eligible_out = [
        problem.items[i]
        for i in usable - selected
        if i not in inputs.force_out
        and problem.items[i].value > 0
        and (
            i not in problem.ruled_out
            or problem.ruled_out[i].reason in (Reason.OVER_BUDGET, Reason.OVER_CAPACITY)
        )
    ]
    if not eligible_out:
        assert line is None
        return
    assert line is not None
    assert problem.items[line.id].value == max(item.value for item in eligible_out)
    chosen = [i for i in result.selected if i in problem.free]
    best_drop = cheapest_displacement(problem, chosen, line.id)
    assert line.displacement is not None
    if best_drop is None:
        assert line.displacement.ids is None
    else:
        assert line.displacement.ids is not None
        assert line.displacement.value == best_drop
        # Optimality: what it would displace is worth at least as much as it is.
        assert best_drop >= problem.items[line.id].value


def test_a_worked_example_with_two_limits() -> None:
    """Budget £3,500 and 12 person-months. IMP-1: £1,000, 60.5 points, 3 pm; IMP-2: £2,000, 70 points,
    4 pm; IMP-3: £1,500, 40 points, 2.5 pm; IMP-4: £3,000, 80 points, 10 pm. Best: IMP-1 + IMP-2 (130.5
    points, £3,000, 7 pm); 1 + 3 = 100.5; 2 + 3 = 110 (£3,500); 1 + 2 + 3 costs £4,500; IMP-4 alone
    = 80, and nothing else fits beside it (£500 and 2 pm left)."""
    pool = [
        costed(1, 100_000, score="60.5", months="3"),
        costed(2, 200_000, score="70", months="4"),
        costed(3, 150_000, score="40", months="2.5"),
        costed(4, 300_000, score="80", months="10"),
    ]
    inputs = rules.parse_inputs(budget_pence=350_000, objective="score", capacity="12")
    result = optimiser.optimise(rules.build_problem(pool, inputs))
    answer = rules.result_json(result)
    assert [row["id"] for row in answer["selected"]] == [2, 1]
    assert (answer["total_cost_pence"], answer["total_value"]) == (300_000, 130.5)
    assert (answer["capacity_used"], answer["capacity_left"], answer["budget_left_pence"]) == (
        7.0,
        5.0,
        50_000,
    )
    # D, the best-valued left out: it needs £3,000 - £500 = £2,500 more budget and 10 - 5 = 5 more
    # person-months; to fit within the limits it must displace both A and B (130.5 points).
    waterline = answer["waterline"]
    assert (waterline["id"], waterline["extra_budget_pence"], waterline["extra_capacity"]) == (
        4,
        250_000,
        5.0,
    )
    assert (waterline["displace"], waterline["displaced_value"]) == ([1, 2], 130.5)
    assert {row["id"]: row["reason"] for row in answer["excluded"]} == {3: "outvalued", 4: "outvalued"}


def test_costs_in_whole_pence_are_checked_exactly() -> None:
    """Three items of £10,000,000.01 each and a budget of £20,000,000.01: two do not fit (by 1p)."""
    pool = [costed(i, 1_000_000_001, npv=5_000 + i) for i in (1, 2, 3)]
    inputs = rules.parse_inputs(budget_pence=2_000_000_001, objective="npv")
    result = optimiser.optimise(rules.build_problem(pool, inputs))
    assert result.selected == (3,)
    assert result.exclusions[2].reason is Reason.OUTVALUED


def test_items_of_no_value_are_left_out_unless_forced_in() -> None:
    pool = [costed(1, 0, npv=-50_000), costed(2, 0, npv=0)]
    free = optimiser.optimise(rules.build_problem(pool, rules.parse_inputs(budget_pence=0, objective="npv")))
    assert free.selected == ()
    assert {i: e.reason for i, e in free.exclusions.items()} == {1: Reason.NO_VALUE, 2: Reason.NO_VALUE}
    assert free.waterline is None
    forced = optimiser.optimise(
        rules.build_problem(pool, rules.parse_inputs(budget_pence=0, objective="npv", force_in=[1]))
    )
    assert forced.selected == (1,) and forced.total_value == -50_000


@settings(max_examples=60, deadline=None, database=None)
@given(
    values=st.lists(st.integers(-5, 10**9), min_size=1, max_size=12),
    data=st.data(),
)
def test_best_subset_on_its_own(values: list[int], data: st.DataObject) -> None:
    """The raw 0-1 solve: same best value as brute force, within every limit."""
    n = len(values)
    weights = [data.draw(st.lists(st.integers(0, 10**9), min_size=n, max_size=n)) for _ in range(2)]
    limits = [data.draw(st.integers(0, 3 * 10**9)) for _ in range(2)]
    chosen, proven = optimiser.best_subset(values=values, weights=weights, limits=limits, time_limit=10)
    assert proven
    for row, limit in zip(weights, limits, strict=True):
        assert sum(row[k] for k in chosen) <= limit
    best = 0
    for size in range(n + 1):
        for subset in combinations(range(n), size):
            if all(sum(row[k] for k in subset) <= limit for row, limit in zip(weights, limits, strict=True)):
                best = max(best, sum(values[k] for k in subset))
    assert sum(values[k] for k in chosen) == best
