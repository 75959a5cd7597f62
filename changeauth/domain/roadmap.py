"""The backlog's two other views: the value-versus-effort matrix and the roadmap by quarter.

Value and effort come from the panel's medians under the active scheme's weights, on the 0-5 scale:

- **value** = the weighted mean of the medians of the ``higher_better`` should criteria
  (strategic priority, customer need, transaction volume in the default scheme);
- **effort** = the weighted mean of the *raw* medians of the ``lower_better`` should criteria
  (complexity and reform risk), so 0 is trivial and safe and 5 is very hard or very likely wasted.

Each is rounded half-up to two decimals and is None when none of its criteria has a median (or their
weights are all zero). The matrix splits each axis at the scale's midpoint, 2.5.

Quarters are calendar quarters written ``YYYY-Qn`` (Q1 = January to March).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from changeauth.domain.scoring import CriterionKind, CriterionSpec, Direction

__all__ = [
    "MIDPOINT",
    "Quadrant",
    "next_quarters",
    "parse_quarter",
    "quadrant",
    "quarter_label",
    "quarter_of",
    "value_and_effort",
]

MIDPOINT = Decimal("2.5")
QUARTER_PATTERN = re.compile(r"\s*(\d{4})\s*-?\s*[Qq]\s*([1-4])\s*")
FIRST_YEAR, LAST_YEAR = 2000, 2099
_MONTHS = {1: "January to March", 2: "April to June", 3: "July to September", 4: "October to December"}
_TWO_PLACES = Decimal("0.01")


class Quadrant(StrEnum):
    DO_FIRST = "do_first"
    PLAN_CAREFULLY = "plan_carefully"
    FILL_IN = "fill_in"
    QUESTION = "question"

    @property
    def label(self) -> str:
        return QUADRANT_LABELS[self]


QUADRANT_LABELS = {
    Quadrant.DO_FIRST: "Do first: high value, low effort",
    Quadrant.PLAN_CAREFULLY: "Plan carefully: high value, high effort",
    Quadrant.FILL_IN: "Fill in: low value, low effort",
    Quadrant.QUESTION: "Question it: low value, high effort",
}


def _weighted_mean(
    medians: Mapping[str, Decimal], criteria: Sequence[CriterionSpec], direction: Direction
) -> Decimal | None:
    total = Decimal(0)
    weights = Decimal(0)
    for spec in criteria:
        if spec.kind is CriterionKind.SHOULD and spec.direction is direction and spec.code in medians:
            total += spec.weight * medians[spec.code]
            weights += spec.weight
    if weights == 0:
        return None
    return (total / weights).quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)


def value_and_effort(
    medians: Mapping[str, Decimal], criteria: Sequence[CriterionSpec]
) -> tuple[Decimal | None, Decimal | None]:
    """(value, effort) on 0-5 as defined in the module docstring."""
    return (
        _weighted_mean(medians, criteria, Direction.HIGHER_BETTER),
        _weighted_mean(medians, criteria, Direction.LOWER_BETTER),
    )


def quadrant(value: Decimal, effort: Decimal) -> Quadrant:
    """Which quarter of the matrix a point falls in; a value of exactly 2.5 counts as high."""
    high_value = value >= MIDPOINT
    low_effort = effort < MIDPOINT
    if high_value:
        return Quadrant.DO_FIRST if low_effort else Quadrant.PLAN_CAREFULLY
    return Quadrant.FILL_IN if low_effort else Quadrant.QUESTION


def parse_quarter(text: str) -> str:
    """Normalise '2027-Q1', '2027 q1' or '2027Q1' to '2027-Q1'; ValueError with a readable message."""
    match = QUARTER_PATTERN.fullmatch(text or "")
    if match is None:
        raise ValueError("Enter a quarter like 2027-Q1.")
    year = int(match.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"Enter a year from {FIRST_YEAR} to {LAST_YEAR}.")
    return f"{year}-Q{match.group(2)}"


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def next_quarters(start: date, count: int) -> list[str]:
    """``count`` quarters from the one containing ``start``."""
    year, index = start.year, (start.month - 1) // 3
    quarters = []
    for _ in range(count):
        quarters.append(f"{year}-Q{index + 1}")
        index += 1
        if index == 4:
            year, index = year + 1, 0
    return quarters


def quarter_label(quarter: str) -> str:
    """'2027-Q1' -> 'Q1 2027 (January to March)'."""
    year, _, number = quarter.partition("-Q")
    return f"Q{number} {year} ({_MONTHS[int(number)]})"
