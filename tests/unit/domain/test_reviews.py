"""The benefits review's arithmetic and rules: variance against the profile's own plan, when the causes
must be written down, and whether a recorded decision still holds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from changeauth.domain.benefits import planned_value
from changeauth.domain.reviews import (
    ReviewDecision,
    causes_required,
    decision_carried_out,
    review_variance,
)

PROFILE = {
    "baseline_date": date(2025, 4, 1),
    "baseline_value": Decimal(1000),
    "target_date": date(2026, 4, 1),
    "target_value": Decimal(600),
    "direction": "decrease",
    "tolerance_pct": Decimal(10),
}


def test_never_measured_has_no_variance_and_needs_causes() -> None:
    assert review_variance(latest_on=None, latest_value=None, **PROFILE) is None
    assert causes_required(None)


def test_variance_is_actual_minus_the_planned_value_on_the_day_measured() -> None:
    # Half way along the straight line from 1,000 to 600 is 800 (1 October 2025 is 183 of 365 days).
    variance = review_variance(latest_on=date(2025, 10, 1), latest_value=Decimal(850), **PROFILE)
    assert variance is not None
    expected_plan = Decimal(1000) - Decimal(400) * Decimal(183) / Decimal(365)
    assert variance.planned == expected_plan
    assert variance.variance == Decimal(850) - expected_plan
    assert not variance.favourable  # a decrease benefit above its plan is behind it
    assert causes_required(variance)


def test_a_benefit_ahead_of_plan_needs_no_causes() -> None:
    variance = review_variance(latest_on=date(2026, 5, 1), latest_value=Decimal(550), **PROFILE)
    assert variance is not None and variance.planned == Decimal(600) and variance.favourable
    assert not causes_required(variance)


@given(
    day=st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 1, 1)),
    actual=st.decimals(min_value=-10_000, max_value=10_000, places=2),
)
def test_the_review_uses_the_one_planned_value(day: date, actual: Decimal) -> None:
    variance = review_variance(latest_on=day, latest_value=actual, **PROFILE)
    assert variance is not None
    plan = planned_value(
        day,
        baseline_date=PROFILE["baseline_date"],
        baseline_value=PROFILE["baseline_value"],
        target_date=PROFILE["target_date"],
        target_value=PROFILE["target_value"],
    )
    assert variance.planned == plan
    assert variance.actual - variance.planned == variance.variance
    assert variance.favourable == (actual <= plan)


@pytest.mark.parametrize(
    ("decision", "closing_status", "handed_over", "holds"),
    [
        (None, "realised", False, False),
        (ReviewDecision.CLOSE, "realised", False, True),
        (ReviewDecision.CLOSE, None, False, False),  # reopened since
        (ReviewDecision.HAND_OVER, None, True, True),
        (ReviewDecision.HAND_OVER, None, False, False),
        (ReviewDecision.CONTINUE, None, False, True),
        (ReviewDecision.REVISE, None, False, True),
    ],
)
def test_a_decision_holds_while_what_it_did_stands(
    decision: str | None, closing_status: str | None, handed_over: bool, holds: bool
) -> None:
    assert decision_carried_out(decision, closing_status=closing_status, handed_over=handed_over) is holds
