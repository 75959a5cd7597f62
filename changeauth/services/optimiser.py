"""Solving the portfolio exactly: a 0-1 integer programme handed to ``scipy.optimize.milp`` (HiGHS).

Maximise Σ valueᵢ·xᵢ subject to Σ costᵢ·xᵢ ≤ budget left and Σ demandᵢ·xᵢ ≤ capacity left, xᵢ ∈ {0, 1},
over the improvements the domain left free (``changeauth.domain.portfolio.build_problem`` has already
fixed the mandatory and forced ones and ruled out what cannot be chosen). The relative gap is set to
zero, so HiGHS stops only when the set is proven best, or at the time limit, which the result states.

Every figure is an integer; each row is divided by the greatest common divisor of its figures (an exact
change: costs in whole pounds become pounds) so the floating-point solver works with small numbers,
and its answer is checked again in integer arithmetic before it is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from math import gcd

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from changeauth.domain import portfolio
from changeauth.domain.portfolio import Displacement, Problem, Result

TIME_LIMIT_SECONDS = 10.0
_RETRIES = 5


def optimise(problem: Problem, *, time_limit: float = TIME_LIMIT_SECONDS) -> Result:
    """The best set for ``problem``, every candidate left out explained, and the waterline."""
    chosen, proven = best_subset(
        values=[problem.items[i].value for i in problem.free],
        limits=_limits(problem),
        weights=_weights(problem, problem.free),
        time_limit=time_limit,
    )
    chosen_ids = [problem.free[k] for k in chosen]
    line = portfolio.waterline_candidate(problem, chosen_ids)
    displacement = None
    if line is not None:
        displacement = _displacement(problem, chosen_ids, line, time_limit)
    result = portfolio.explain(problem, chosen_ids, displacement=displacement, proven_optimal=proven)
    return result


def _limits(problem: Problem) -> list[int]:
    limits = [problem.budget_left]
    if problem.capacity_left is not None:
        limits.append(problem.capacity_left)
    return limits


def _weights(problem: Problem, ids: Sequence[int]) -> list[list[int]]:
    rows = [[problem.items[i].cost for i in ids]]
    if problem.capacity_left is not None:
        rows.append([problem.items[i].demand for i in ids])
    return rows


def _displacement(problem: Problem, chosen: list[int], line: int, time_limit: float) -> Displacement:
    """The selected free improvements to drop, losing the least value, so ``line`` fits."""
    needs = list(portfolio.displacement_need(problem, chosen, line))
    rows = _weights(problem, chosen)
    needs = needs[: len(rows)]
    if all(need == 0 for need in needs):
        return Displacement(ids=(), value=0)
    if any(sum(row) < need for row, need in zip(rows, needs, strict=True)):
        return Displacement(ids=None)
    values = [problem.items[i].value for i in chosen]
    # Dropping y is "keeping 1 - y": minimise the value dropped = maximise the value kept, with the
    # kept cost no more than (total - need) on each row.
    kept, _ = best_subset(
        values=values,
        limits=[sum(row) - need for row, need in zip(rows, needs, strict=True)],
        weights=rows,
        time_limit=time_limit,
    )
    dropped = tuple(sorted(chosen[k] for k in range(len(chosen)) if k not in set(kept)))
    return Displacement(ids=dropped, value=sum(problem.items[i].value for i in dropped))


def best_subset(
    *, values: Sequence[int], weights: Sequence[Sequence[int]], limits: Sequence[int], time_limit: float
) -> tuple[list[int], bool]:
    """Indices of the subset with the greatest total value whose weights stay within every limit
    (non-negative integers), and whether it is proven best.

    Items of value zero or less are never chosen (they cannot improve the total).
    """
    useful = [k for k, value in enumerate(values) if value > 0]
    if not useful:
        return [], True
    divisor = reduce(gcd, (values[k] for k in useful))
    c = -np.array([values[k] // divisor for k in useful], dtype=float)
    matrix, upper = [], []
    for row, limit in zip(weights, limits, strict=True):
        figures = [row[k] for k in useful]
        # Σ figure·x is a multiple of the divisor, so it is within the limit exactly when it is within
        # the limit rounded down to a multiple of the divisor.
        row_divisor = reduce(gcd, figures, 0) or 1
        matrix.append([figure // row_divisor for figure in figures])
        upper.append(limit // row_divisor)
    a = np.array(matrix, dtype=float)
    rhs = np.array(upper, dtype=float)
    integer_rows = np.array(matrix, dtype=object)
    proven = True
    for _ in range(_RETRIES):
        answer = milp(
            c,
            integrality=np.ones(len(useful)),
            bounds=Bounds(0, 1),
            constraints=LinearConstraint(a, -np.inf, rhs),
            options={"mip_rel_gap": 0.0, "time_limit": time_limit, "presolve": True},
        )
        if answer.x is None:
            return [], False
        picked = [k for k in range(len(useful)) if answer.x[k] > 0.5]
        proven = proven and answer.status == 0
        over = [
            int(sum(integer_rows[r][k] for k in picked)) - upper[r]
            for r in range(len(upper))
            if int(sum(integer_rows[r][k] for k in picked)) > upper[r]
        ]
        if not over:
            return [useful[k] for k in picked], proven
        # The solver's feasibility tolerance let a set through that is over a limit by a few units:
        # tighten and solve again; the answer is then no longer proven best.
        proven = False
        for r in range(len(upper)):
            activity = int(sum(integer_rows[r][k] for k in picked))
            if activity > upper[r]:
                rhs[r] -= activity - upper[r]
    return [], False
