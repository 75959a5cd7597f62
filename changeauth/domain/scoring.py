"""Scoring rules for proposed improvements (docs/scoring-and-backlog.md).

Pure, stdlib-only: panel aggregation (medians, must-meet votes, status, disagreement),
the weighted 0-100 score and validation of scoring schemes and individual assessments.
Ordering the backlog (ranks, what-if and weight sensitivity) is in ``domain.ranking``.
Arithmetic is exact (Decimal and int); floats are never used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import (
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "CODE_PATTERN",
    "DEFAULT_CRITERIA",
    "DESCRIPTOR_KEYS",
    "SCHEME_ERRORS_KEY",
    "SCORE_MAX",
    "SCORE_MIN",
    "CriterionKind",
    "CriterionResult",
    "CriterionSpec",
    "Direction",
    "RankInput",
    "ScoreResult",
    "ScoreStatus",
    "aggregate",
    "can_see_individual_scores",
    "contributions",
    "median",
    "validate_assessment",
    "validate_scheme",
    "weighted_score",
]

SCORE_MIN = 0
SCORE_MAX = 5
DESCRIPTOR_KEYS: tuple[str, ...] = tuple(str(point) for point in range(SCORE_MIN, SCORE_MAX + 1))
CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]{1,39}")
# validate_scheme() files errors that concern the scheme as a whole under this key.
SCHEME_ERRORS_KEY = "__all__"

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
MAX_TENTHS = 1000  # a weighted score of 100.0, in tenths
# Sums of weight x score must never be silently rounded: trap Inexact rather than guess.
EXACT_CONTEXT = Context(prec=60, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])


class Direction(StrEnum):
    """Whether a high raw score is good or bad for the improvement."""

    HIGHER_BETTER = "higher_better"
    LOWER_BETTER = "lower_better"


class CriterionKind(StrEnum):
    """Should criteria are scored 0-5 and weighted; must criteria are pass/fail gates."""

    SHOULD = "should"
    MUST = "must"


class SchemeStatus(StrEnum):
    """A scoring scheme version: drafts may be edited; one is active; retired ones never change."""

    DRAFT = "draft"
    ACTIVE = "active"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "active": "In use", "retired": "Retired"}[self.value]


class ScoreStatus(StrEnum):
    """How settled an improvement's panel score is."""

    UNSCORED = "unscored"
    PROVISIONAL = "provisional"
    FINAL = "final"

    @property
    def label(self) -> str:
        return {"unscored": "Not scored", "provisional": "Provisional", "final": "Final"}[self.value]

    @property
    def is_provisional(self) -> bool:
        return self is ScoreStatus.PROVISIONAL


STATUS_ORDER: Mapping[ScoreStatus, int] = {
    ScoreStatus.FINAL: 0,
    ScoreStatus.PROVISIONAL: 1,
    ScoreStatus.UNSCORED: 2,
}


@dataclass(frozen=True)
class CriterionSpec:
    """One criterion of a scoring scheme.

    ``descriptors`` maps "0".."5" to plain-English anchors for should criteria and
    "pass"/"fail" to guidance for must criteria. ``weight`` is ignored for must criteria.
    """

    code: str
    name: str
    kind: CriterionKind
    weight: Decimal
    direction: Direction
    description: str = ""
    descriptors: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def is_must(self) -> bool:
        """A pass/fail criterion rather than a weighted 0-5 score."""
        return self.kind is CriterionKind.MUST

    @property
    def lower_is_better(self) -> bool:
        return self.direction is Direction.LOWER_BETTER

    def __post_init__(self) -> None:
        if not self.weight.is_finite() or self.weight < 0:
            raise ValueError(f"criterion {self.code!r}: weight must be a non-negative number")
        # Frozen means frozen: a shared scheme (e.g. DEFAULT_CRITERIA) must not be mutable via descriptors.
        object.__setattr__(self, "descriptors", MappingProxyType(dict(self.descriptors)))


@dataclass(frozen=True)
class CriterionResult:
    """Panel result for one criterion; ``passes`` is set for must criteria only."""

    code: str
    median: Decimal | None
    min: int | None
    max: int | None
    n: int
    disagreement: bool
    passes: int | None


@dataclass(frozen=True)
class ScoreResult:
    """Panel result for one improvement."""

    status: ScoreStatus
    scorers: int
    weighted_score: Decimal | None
    must_meet_passed: bool | None
    disagreement: bool
    criteria: tuple[CriterionResult, ...]
    failed_must: tuple[str, ...]


@dataclass(frozen=True)
class RankInput:
    """What the backlog needs to know about one improvement to rank it."""

    id: int
    is_mandatory: bool
    status: ScoreStatus
    weighted_score: Decimal | None
    submitted_at: datetime
    must_meet_passed: bool | None
    medians: Mapping[str, Decimal] = field(hash=False)


def _descriptors(*anchors: str) -> dict[str, str]:
    return dict(zip(DESCRIPTOR_KEYS, anchors, strict=True))


DEFAULT_CRITERIA: tuple[CriterionSpec, ...] = (
    CriterionSpec(
        code="strategic_priority",
        name="Fit with Council Plan priorities",
        kind=CriterionKind.SHOULD,
        weight=Decimal(25),
        direction=Direction.HIGHER_BETTER,
        description="How much the change helps deliver the priorities in the Council Plan.",
        descriptors=_descriptors(
            "No link to any Council Plan priority.",
            "A weak or indirect link to a Council Plan priority.",
            "Supports a Council Plan priority in a small way.",
            "Clearly supports one Council Plan priority.",
            "Strongly supports one priority, or clearly supports several.",
            "Essential to delivering one or more Council Plan priorities.",
        ),
    ),
    CriterionSpec(
        code="customer_need",
        name="Customer needs met",
        kind=CriterionKind.SHOULD,
        weight=Decimal(25),
        direction=Direction.HIGHER_BETTER,
        description="How well the change meets evidenced needs of residents, businesses or visitors.",
        descriptors=_descriptors(
            "Meets no identified customer need.",
            "Meets a minor need for a small number of customers.",
            "Meets a minor need for many customers, or a real need for a few.",
            "Meets a clear, evidenced need for a good number of customers.",
            "Meets a significant, evidenced need for many customers.",
            "Meets an urgent or critical need, backed by strong evidence.",
        ),
    ),
    CriterionSpec(
        code="transaction_volume",
        name="Transaction volumes / demand affected",
        kind=CriterionKind.SHOULD,
        weight=Decimal(20),
        direction=Direction.HIGHER_BETTER,
        description="How many transactions, contacts or requests the change would affect.",
        descriptors=_descriptors(
            "Affects no measurable transactions or demand.",
            "Affects very few transactions - a handful a month.",
            "Affects a small share of a service's demand.",
            "Affects a noticeable share of a service's demand.",
            "Affects most of a service's demand.",
            "Affects all of a service's demand, or high volumes across several services.",
        ),
    ),
    CriterionSpec(
        code="complexity",
        name="Complexity of delivery",
        kind=CriterionKind.SHOULD,
        weight=Decimal(15),
        direction=Direction.LOWER_BETTER,
        description="How hard the change would be to deliver.",
        descriptors=_descriptors(
            "Trivial: a setting or content change one team can make.",
            "Simple: a small change within one team, using existing systems.",
            "Moderate: some process redesign or a minor system change.",
            "Significant: several teams involved, or a new system component.",
            "High: cross-service change, procurement or a major integration.",
            "Very high: organisation-wide change, or new major systems or contracts.",
        ),
    ),
    CriterionSpec(
        code="reform_risk",
        name="Risk of lost investment from local government reform",
        kind=CriterionKind.SHOULD,
        weight=Decimal(15),
        direction=Direction.LOWER_BETTER,
        description="How likely it is that the investment is wasted when the council is reorganised.",
        descriptors=_descriptors(
            "No risk: benefits are realised before reorganisation or carry over in full.",
            "Low risk: almost all of the benefit would carry over to a successor council.",
            "Some risk: most of the benefit would carry over, with rework.",
            "Moderate risk: about half of the investment could be lost.",
            "High risk: most of the investment would probably be lost.",
            "Very high risk: the investment is almost certain to be lost on reorganisation.",
        ),
    ),
    CriterionSpec(
        code="within_remit",
        name="Within the council's powers and remit",
        kind=CriterionKind.MUST,
        weight=Decimal(0),
        direction=Direction.HIGHER_BETTER,
        description="The council must have the legal power and responsibility to make the change.",
        descriptors={
            "pass": "The council has the legal power and the responsibility to make this change.",
            "fail": "The change is outside the council's powers, or belongs to another body.",
        },
    ),
)


# --- aggregation -------------------------------------------------------------------------------


def median(values: Sequence[int]) -> Decimal:
    """Return the median of ``values``; for an even count, the mean of the two middle values.

    Raises ValueError for an empty sequence.
    """
    if not values:
        raise ValueError("median() of an empty sequence")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[middle])
    return (Decimal(ordered[middle - 1]) + Decimal(ordered[middle])) / 2


def _is_score(value: object) -> bool:
    # bool is an int subclass, but True is not a score of 1.
    return isinstance(value, int) and not isinstance(value, bool) and SCORE_MIN <= value <= SCORE_MAX


def aggregate(
    criteria: Sequence[CriterionSpec],
    assessments: Sequence[Mapping[str, int | bool]],
    *,
    quorum: int = 3,
    disagreement_threshold: int = 3,
) -> ScoreResult:
    """Combine submitted assessments (one mapping of criterion code to value per scorer).

    Should criteria take the median score, must criteria pass on a strict majority of
    the votes cast on them. A criterion missing from an assessment (added to the scheme
    after that scorer submitted) is simply not counted; codes no longer in the scheme
    are ignored. Status is unscored with no assessments, provisional with fewer than
    ``quorum`` scorers or when any criterion has fewer than ``quorum`` values, else final.
    Raises ValueError for a score outside 0-5 or a non-bool must vote.
    """
    if quorum < 1:
        raise ValueError("quorum must be at least 1")
    if disagreement_threshold < 1:
        raise ValueError("disagreement_threshold must be at least 1")
    require_unique_codes(criteria)

    results: list[CriterionResult] = []
    medians: dict[str, Decimal] = {}
    failed: list[str] = []
    short_of_quorum = False
    for spec in criteria:
        values = [assessment[spec.code] for assessment in assessments if spec.code in assessment]
        if len(values) < quorum:
            short_of_quorum = True
        if spec.kind is CriterionKind.SHOULD:
            results.append(_aggregate_should(spec, values, disagreement_threshold, medians))
            continue
        if not all(isinstance(vote, bool) for vote in values):
            raise ValueError(f"criterion {spec.code!r}: must-meet votes must be True or False")
        passes = sum(1 for vote in values if vote)
        # No votes yet (criterion added later) is not a failure: nobody has said it fails.
        if values and 2 * passes <= len(values):
            failed.append(spec.code)
        results.append(CriterionResult(spec.code, None, None, None, len(values), False, passes))

    scorers = len(assessments)
    if scorers == 0:
        status = ScoreStatus.UNSCORED
    elif scorers < quorum or short_of_quorum:
        status = ScoreStatus.PROVISIONAL
    else:
        status = ScoreStatus.FINAL
    return ScoreResult(
        status=status,
        scorers=scorers,
        weighted_score=weighted_score(medians, criteria),
        must_meet_passed=None if scorers == 0 else not failed,
        disagreement=any(result.disagreement for result in results),
        criteria=tuple(results),
        failed_must=tuple(failed),
    )


def _aggregate_should(
    spec: CriterionSpec,
    values: Sequence[int | bool],
    threshold: int,
    medians: dict[str, Decimal],
) -> CriterionResult:
    scores: list[int] = []
    for value in values:
        if not _is_score(value):
            raise ValueError(f"criterion {spec.code!r}: scores must be whole numbers 0-5, got {value!r}")
        scores.append(int(value))
    if not scores:
        return CriterionResult(spec.code, None, None, None, 0, False, None)
    middle = median(scores)
    medians[spec.code] = middle
    low, high = min(scores), max(scores)
    return CriterionResult(spec.code, middle, low, high, len(scores), high - low >= threshold, None)


def require_unique_codes(criteria: Sequence[CriterionSpec]) -> None:
    codes = [spec.code for spec in criteria]
    if len(set(codes)) != len(codes):
        raise ValueError("criterion codes must be unique")


# --- the weighted score ------------------------------------------------------------------------


def _weight_for(spec: CriterionSpec, weights: Mapping[str, Decimal] | None) -> Decimal:
    weight = spec.weight if weights is None else weights.get(spec.code, spec.weight)
    if not weight.is_finite() or weight < 0:
        raise ValueError(f"criterion {spec.code!r}: weight must be a non-negative number")
    return weight


def adjusted_median(spec: CriterionSpec, value: Decimal) -> Decimal:
    if not value.is_finite() or not SCORE_MIN <= value <= SCORE_MAX:
        raise ValueError(f"criterion {spec.code!r}: median {value} is outside 0-5")
    return value if spec.direction is Direction.HIGHER_BETTER else SCORE_MAX - value


def _weighted_terms(
    medians: Mapping[str, Decimal],
    criteria: Sequence[CriterionSpec],
    weights: Mapping[str, Decimal] | None,
) -> list[tuple[str, Decimal, Decimal]]:
    """(code, weight, adjusted value) for each should criterion that has a median."""
    return [
        (spec.code, _weight_for(spec, weights), adjusted_median(spec, medians[spec.code]))
        for spec in criteria
        if spec.kind is CriterionKind.SHOULD and spec.code in medians
    ]


def _round_half_up(numerator: Decimal, denominator: Decimal, places: int) -> Decimal:
    """numerator / denominator rounded half-up to ``places`` decimals, exactly (both >= 0)."""
    num_n, num_d = numerator.as_integer_ratio()
    den_n, den_d = denominator.as_integer_ratio()
    top = num_n * den_d * 10**places
    bottom = num_d * den_n
    # floor(x + 1/2) on the exact rational: no intermediate rounding can flip an x.x5.
    units = (2 * top + bottom) // (2 * bottom)
    return Decimal(units).scaleb(-places)


def weighted_score(
    medians: Mapping[str, Decimal],
    criteria: Sequence[CriterionSpec],
    weights: Mapping[str, Decimal] | None = None,
) -> Decimal | None:
    """Return 100 x sum(w*a) / (5 x sum(w)) rounded half-up to one decimal place.

    ``a`` is the median for higher_better criteria and 5 - median for lower_better ones.
    ``weights`` overrides the criteria's own weights (codes it omits keep theirs). Should
    criteria without a median (added after scoring) are left out of both sums, so the
    score stays on the 0-100 scale. Returns None when no should criterion has a median
    or all their weights are zero.
    """
    with localcontext(EXACT_CONTEXT):
        terms = _weighted_terms(medians, criteria, weights)
        total_weight = sum((weight for _, weight, _ in terms), _ZERO)
        if total_weight == 0:
            return None
        total = sum((weight * value for _, weight, value in terms), _ZERO)
        return _round_half_up(_HUNDRED * total, SCORE_MAX * total_weight, 1)


def contributions(
    medians: Mapping[str, Decimal],
    criteria: Sequence[CriterionSpec],
    weights: Mapping[str, Decimal] | None = None,
) -> dict[str, Decimal]:
    """Return the points of the 0-100 score each should criterion contributes.

    Each is 100 x w*a / (5 x sum(w)), rounded half-up to two places, over the same
    criteria as weighted_score(); being rounded separately, they may not add up exactly
    to the rounded score. Empty when weighted_score() would be None.
    """
    with localcontext(EXACT_CONTEXT):
        terms = _weighted_terms(medians, criteria, weights)
        total_weight = sum((weight for _, weight, _ in terms), _ZERO)
        if total_weight == 0:
            return {}
        denominator = SCORE_MAX * total_weight
        return {
            code: _round_half_up(_HUNDRED * weight * value, denominator, 2) for code, weight, value in terms
        }


# --- validation and visibility -----------------------------------------------------------------


def _parse_weight(value: object) -> tuple[Decimal | None, str | None]:
    """(weight or None if blank, error message or None)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        return None, "Weight must be a number."
    try:
        weight = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        return None, "Weight must be a number."
    if not weight.is_finite():
        return None, "Weight must be a number."
    if weight < 0:
        return None, "Weight must not be negative."
    return weight, None


_KINDS = frozenset(kind.value for kind in CriterionKind)
_DIRECTIONS = frozenset(direction.value for direction in Direction)


def validate_scheme(criteria: Sequence[Mapping[str, object]]) -> dict[str, list[str]]:
    """Check a proposed scoring scheme; return {key: [messages]}, empty when valid.

    Each mapping has code, name, kind, weight, direction and descriptors. Errors are
    keyed by the criterion's code (or "#<position>" when it has none); errors about the
    scheme as a whole are under SCHEME_ERRORS_KEY.
    """
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    counts: dict[str, int] = {}
    for item in criteria:
        code = item.get("code")
        if isinstance(code, str):
            counts[code] = counts.get(code, 0) + 1

    reported_duplicates: set[str] = set()
    should_count = 0
    should_weights: list[Decimal] = []
    should_weight_errors = False
    for position, item in enumerate(criteria, start=1):
        code = item.get("code")
        key = code if isinstance(code, str) and code else f"#{position}"
        if not isinstance(code, str) or not code:
            add(key, "Enter a code.")
        elif not CODE_PATTERN.fullmatch(code):
            add(
                key,
                "Code must be 2 to 40 characters: a lower-case letter, then lower-case letters, "
                "digits or underscores.",
            )
        if isinstance(code, str) and code and counts[code] > 1 and code not in reported_duplicates:
            reported_duplicates.add(code)
            add(key, f"Code '{code}' is used by more than one criterion.")

        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            add(key, "Enter a name.")

        kind = item.get("kind")
        if not isinstance(kind, str) or kind not in _KINDS:
            add(key, "Kind must be 'should' or 'must'.")
        direction = item.get("direction")
        direction_ok = isinstance(direction, str) and direction in _DIRECTIONS
        weight, weight_error = _parse_weight(item.get("weight"))

        if kind == CriterionKind.MUST:
            if weight_error is not None or (weight is not None and weight != 0):
                add(key, "A must-meet criterion has no weight: leave it blank or set it to 0.")
            if direction is not None and not direction_ok:
                add(key, "Direction must be 'higher_better' or 'lower_better'.")
            continue
        if kind != CriterionKind.SHOULD:
            continue

        should_count += 1
        if weight_error is not None:
            add(key, weight_error)
            should_weight_errors = True
        elif weight is None:
            add(key, "Enter a weight.")
            should_weight_errors = True
        else:
            should_weights.append(weight)
        if not direction_ok:
            add(key, "Direction must be 'higher_better' or 'lower_better'.")
        descriptors = item.get("descriptors")
        if not isinstance(descriptors, Mapping):
            add(key, "Describe what each score from 0 to 5 means.")
        else:
            for point in DESCRIPTOR_KEYS:
                text = descriptors.get(point)
                if not isinstance(text, str) or not text.strip():
                    add(key, f"Describe what a score of {point} means.")

    if should_count == 0:
        add(SCHEME_ERRORS_KEY, "Add at least one should-meet criterion.")
    elif not should_weight_errors and all(weight == 0 for weight in should_weights):
        add(SCHEME_ERRORS_KEY, "At least one should-meet criterion needs a weight above zero.")
    return errors


def validate_assessment(
    criteria: Sequence[CriterionSpec], scores: Mapping[str, object]
) -> dict[str, list[str]]:
    """Check one scorer's assessment; return {criterion code: [messages]}, empty when valid.

    Every should criterion needs a whole number 0-5 (not a bool, float or string) and
    every must criterion True or False; codes not in the scheme are rejected.
    """
    errors: dict[str, list[str]] = {}
    known = {spec.code for spec in criteria}
    for code in scores:
        if code not in known:
            errors.setdefault(str(code), []).append("This is not a criterion in the current scheme.")
    for spec in criteria:
        value = scores.get(spec.code)
        message: str | None = None
        if spec.kind is CriterionKind.SHOULD:
            if value is None:
                message = "Give a score from 0 to 5."
            elif isinstance(value, bool) or not isinstance(value, int):
                message = "Score must be a whole number from 0 to 5."
            elif not SCORE_MIN <= value <= SCORE_MAX:
                message = "Score must be between 0 and 5."
        elif value is None:
            message = "Say whether this criterion is met."
        elif not isinstance(value, bool):
            message = "Answer must be pass or fail."
        if message is not None:
            errors.setdefault(spec.code, []).append(message)
    return errors


def can_see_individual_scores(*, viewer_has_submitted: bool, viewer_is_admin_or_viewer: bool) -> bool:
    """Blind scoring: scorers see others' individual scores only after submitting their own.

    Admins and read-only viewers, who do not score, can always see them.
    """
    return viewer_has_submitted or viewer_is_admin_or_viewer
