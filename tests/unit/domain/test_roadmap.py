"""Value and effort, the matrix's quadrants, and roadmap quarters (domain/roadmap.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from changeauth.domain.roadmap import (
    Quadrant,
    next_quarters,
    parse_quarter,
    quadrant,
    quarter_label,
    quarter_of,
    value_and_effort,
)
from changeauth.domain.scoring import DEFAULT_CRITERIA

D = Decimal


def test_value_and_effort_are_weighted_means_of_the_medians() -> None:
    medians = {
        "strategic_priority": D(4),
        "customer_need": D(3),
        "transaction_volume": D(2),
        "complexity": D(1),
        "reform_risk": D(4),
    }
    # value = (25x4 + 25x3 + 20x2) / 70 = 215 / 70 = 3.0714… -> 3.07
    # effort = (15x1 + 15x4) / 30 = 75 / 30 = 2.5 (raw medians: higher means harder or riskier)
    assert value_and_effort(medians, DEFAULT_CRITERIA) == (D("3.07"), D("2.50"))


def test_value_and_effort_round_half_up() -> None:
    # value = (25x4.5 + 25x0 + 20x0) / 70 = 112.5 / 70 = 1.607… -> 1.61; effort = 0.5 exactly
    medians = {
        "strategic_priority": D("4.5"),
        "customer_need": D(0),
        "transaction_volume": D(0),
        "complexity": D("0.5"),
    }
    assert value_and_effort(medians, DEFAULT_CRITERIA) == (D("1.61"), D("0.50"))


def test_no_medians_means_no_point() -> None:
    assert value_and_effort({}, DEFAULT_CRITERIA) == (None, None)
    assert value_and_effort({"customer_need": D(5)}, DEFAULT_CRITERIA) == (D("5.00"), None)


@pytest.mark.parametrize(
    ("value", "effort", "expected"),
    [
        ("2.5", "2.49", Quadrant.DO_FIRST),
        ("5", "2.5", Quadrant.PLAN_CAREFULLY),
        ("2.49", "0", Quadrant.FILL_IN),
        ("0", "5", Quadrant.QUESTION),
    ],
)
def test_quadrants_split_at_the_midpoint(value: str, effort: str, expected: Quadrant) -> None:
    assert quadrant(D(value), D(effort)) is expected
    assert expected.label


@pytest.mark.parametrize(
    ("text", "expected"), [("2027-Q1", "2027-Q1"), (" 2027 q4 ", "2027-Q4"), ("2030Q2", "2030-Q2")]
)
def test_quarters_are_normalised(text: str, expected: str) -> None:
    assert parse_quarter(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-Q5", "Enter a quarter like 2027-Q1."),
        ("Q1 2027", "Enter a quarter like 2027-Q1."),
        ("", "Enter a quarter like 2027-Q1."),
        ("1999-Q1", "Enter a year from 2000 to 2099."),
    ],
)
def test_bad_quarters_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_quarter(text)


def test_quarter_arithmetic_and_labels() -> None:
    assert quarter_of(date(2026, 11, 29)) == "2026-Q4"
    assert next_quarters(date(2026, 11, 29), 3) == ["2026-Q4", "2027-Q1", "2027-Q2"]
    assert quarter_label("2027-Q2") == "Q2 2027 (April to June)"
