"""The benefits review at G3 and the lessons log: the decision taken on each benefit, its variance
against plan, and what a lesson must say (docs/benefits-and-resources.md#the-benefits-review).

At the benefits review each benefit's latest value is set against the value its profile planned for the
same date (``domain.benefits.assess_variance``, the one plan), the causes of any shortfall are written
down, and one decision is taken: continue measuring it as it is, revise its target (through the change
control every approved target goes through), close it with its closing status, or hand it to a named
business-as-usual owner who keeps measuring it. Following the Managing Benefits practice, a benefit is
not left without an owner or a decision when the improvement ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from changeauth.domain.benefits import BenefitDirection, Point, ProfileShape, VarianceResult, assess_variance

CAUSES_MAX = 4_000
LESSON_TITLE_MIN, LESSON_TITLE_MAX = 3, 200
LESSON_TEXT_MAX = 4_000


class ReviewDecision(StrEnum):
    """What the benefits review decided for one benefit."""

    CONTINUE = "continue"
    REVISE = "revise"
    CLOSE = "close"
    HAND_OVER = "hand_over"

    @property
    def label(self) -> str:
        return REVIEW_DECISION_LABELS[self]


REVIEW_DECISION_LABELS = {
    ReviewDecision.CONTINUE: "Continue measuring it as it is",
    ReviewDecision.REVISE: "Revise its target",
    ReviewDecision.CLOSE: "Close it",
    ReviewDecision.HAND_OVER: "Hand it to a business-as-usual owner who keeps measuring it",
}

# The decisions that let the improvement close: the benefit is closed, or someone in the service goes on
# measuring it. Continue and revise keep it in realisation for a later review.
SETTLING_DECISIONS = frozenset({ReviewDecision.CLOSE, ReviewDecision.HAND_OVER})


@dataclass(frozen=True)
class ReviewVariance:
    """The latest value against the value planned for the same date, when the benefit has been measured."""

    measured_on: date
    planned: Decimal
    actual: Decimal
    variance: Decimal
    favourable: bool
    rag: str


def review_variance(
    *,
    latest_on: date | None,
    latest_value: Decimal | None,
    baseline_date: date,
    baseline_value: Decimal,
    target_date: date,
    target_value: Decimal,
    direction: BenefitDirection | str,
    tolerance_pct: Decimal,
    shape: ProfileShape | str = ProfileShape.STRAIGHT_LINE,
    points: Iterable[Point] = (),
) -> ReviewVariance | None:
    """Variance against plan at the latest measurement (actual minus planned), or None if never measured.

    The planned value is the profile's own, of its shape (``domain.benefits.planned_value`` through
    ``assess_variance``),
    so the review, the benefit's page and the tolerance job judge a value against the same plan."""
    if latest_on is None or latest_value is None:
        return None
    result: VarianceResult = assess_variance(
        on=latest_on,
        actual=latest_value,
        baseline_date=baseline_date,
        baseline_value=baseline_value,
        target_date=target_date,
        target_value=target_value,
        direction=direction,
        tolerance_pct=tolerance_pct,
        shape=shape,
        points=points,
    )
    return ReviewVariance(
        measured_on=latest_on,
        planned=result.planned,
        actual=latest_value,
        variance=result.variance,
        favourable=result.favourable,
        rag=result.rag.value,
    )


def causes_required(variance: ReviewVariance | None) -> bool:
    """The causes must be written down when the benefit fell short of its plan (or was never measured, so
    nobody can say it did not)."""
    return variance is None or not variance.favourable


def decision_carried_out(decision: str | None, *, closing_status: str | None, handed_over: bool) -> bool:
    """Whether a recorded decision still holds: a close whose benefit was reopened since no longer does."""
    if decision is None:
        return False
    if decision == ReviewDecision.CLOSE:
        return bool(closing_status)
    if decision == ReviewDecision.HAND_OVER:
        return handed_over
    return True
