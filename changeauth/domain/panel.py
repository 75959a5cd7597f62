"""Stored panel summaries: what is kept of an improvement's assessments so it can be re-ranked under any
scheme version without reading the assessments again, and comparing two rankings.

A summary holds, per criterion code that any of the panel's assessments carries, the statistics of the
whole-number scores (count, median, min, max) and of the pass/fail votes (count, passes). Everything
``scoring.aggregate`` derives - status, weighted score, must-meet verdict, disagreement - follows from
these and the scheme, so ``reaggregate(summarise(panel), ...)`` equals ``aggregate(..., panel)`` for
any scheme (a property the unit tests check). A criterion added by a new scheme has no statistics yet,
which makes the result provisional; a weights-only change moves only the weighted score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from changeauth.domain.ranking import rank
from changeauth.domain.scoring import (
    SCORE_MAX,
    CriterionKind,
    CriterionResult,
    CriterionSpec,
    Direction,
    RankInput,
    ScoreResult,
    ScoreStatus,
    median,
    weighted_score,
)

__all__ = [
    "compare_rankings",
    "criterion_results",
    "exclusion_reason",
    "parse_medians",
    "reaggregate",
    "stored_medians",
    "summarise",
    "weighted_scores",
]

Summary = Mapping[str, Mapping[str, Any]]


def summarise(assessments: Sequence[Mapping[str, int | bool]]) -> dict[str, dict[str, Any]]:
    """JSON-ready statistics per criterion code over the panel's assessments (one mapping per scorer).

    Medians are kept as decimal strings so no float ever touches them.
    """
    scores: dict[str, list[int]] = {}
    votes: dict[str, list[bool]] = {}
    for assessment in assessments:
        for code, value in assessment.items():
            if isinstance(value, bool):
                votes.setdefault(code, []).append(value)
            else:
                scores.setdefault(code, []).append(int(value))
    summary: dict[str, dict[str, Any]] = {}
    for code in sorted(set(scores) | set(votes)):
        values = scores.get(code, [])
        cast = votes.get(code, [])
        summary[code] = {
            "n": len(values),
            "median": str(median(values)) if values else None,
            "min": min(values) if values else None,
            "max": max(values) if values else None,
            "votes": len(cast),
            "passes": sum(1 for vote in cast if vote),
        }
    return summary


def criterion_results(
    summary: Summary, criteria: Sequence[CriterionSpec], *, disagreement_threshold: int = 3
) -> tuple[CriterionResult, ...]:
    """Per-criterion panel results under ``criteria`` from a stored summary (as ``aggregate`` gives)."""
    results: list[CriterionResult] = []
    for spec in criteria:
        entry = summary.get(spec.code) or {}
        if spec.kind is CriterionKind.SHOULD:
            n = int(entry.get("n") or 0)
            if n == 0:
                results.append(CriterionResult(spec.code, None, None, None, 0, False, None))
                continue
            low, high = int(entry["min"]), int(entry["max"])
            results.append(
                CriterionResult(
                    spec.code,
                    Decimal(entry["median"]),
                    low,
                    high,
                    n,
                    high - low >= disagreement_threshold,
                    None,
                )
            )
        else:
            cast = int(entry.get("votes") or 0)
            results.append(
                CriterionResult(spec.code, None, None, None, cast, False, int(entry.get("passes") or 0))
            )
    return tuple(results)


def reaggregate(
    summary: Summary,
    scorers: int,
    criteria: Sequence[CriterionSpec],
    *,
    quorum: int = 3,
    disagreement_threshold: int = 3,
    weights: Mapping[str, Decimal] | None = None,
) -> ScoreResult:
    """The panel result under ``criteria`` (and optionally other weights) from a stored summary."""
    if quorum < 1:
        raise ValueError("quorum must be at least 1")
    results = criterion_results(summary, criteria, disagreement_threshold=disagreement_threshold)
    medians = {result.code: result.median for result in results if result.median is not None}
    failed = tuple(
        result.code
        for spec, result in zip(criteria, results, strict=True)
        if spec.kind is CriterionKind.MUST and result.n and 2 * (result.passes or 0) <= result.n
    )
    if scorers == 0:
        status = ScoreStatus.UNSCORED
    elif scorers < quorum or any(result.n < quorum for result in results):
        status = ScoreStatus.PROVISIONAL
    else:
        status = ScoreStatus.FINAL
    return ScoreResult(
        status=status,
        scorers=scorers,
        weighted_score=weighted_score(medians, criteria, weights),
        must_meet_passed=None if scorers == 0 else not failed,
        disagreement=any(result.disagreement for result in results),
        criteria=results,
        failed_must=failed,
    )


def compare_rankings(
    before: Sequence[RankInput], after: Sequence[RankInput]
) -> list[tuple[int, int, Decimal | None, int | None]]:
    """(id, new rank, new score, rank change) in the new backlog order.

    Rank change is old rank - new rank (positive: moved up), or None for a row that was not ranked
    before (it had been excluded by a must criterion the new scheme no longer has).
    """
    old_ranked, _ = rank(before)
    old_rank = {row.id: position for position, row in enumerate(old_ranked, start=1)}
    new_ranked, _ = rank(after)
    return [
        (
            row.id,
            position,
            row.weighted_score,
            None if row.id not in old_rank else old_rank[row.id] - position,
        )
        for position, row in enumerate(new_ranked, start=1)
    ]


def exclusion_reason(summary: Summary, criteria: Sequence[CriterionSpec]) -> str:
    """Why a must-meet failure is out of the ranking, in plain words, e.g.
    "Fails 'Within the council's powers and remit': 1 of 3 members said it is met."
    """
    reasons = []
    for spec, result in zip(criteria, criterion_results(summary, criteria), strict=True):
        if spec.kind is CriterionKind.MUST and result.n and 2 * (result.passes or 0) <= result.n:
            reasons.append(f"Fails '{spec.name}': {result.passes} of {result.n} members said it is met.")
    return " ".join(reasons) or "Fails a must-meet criterion."


def stored_medians(summary: Summary) -> dict[str, str]:
    """The medians of a summary as stored beside it: ``{code: "3.5"}`` for every scored code."""
    return {code: entry["median"] for code, entry in summary.items() if entry.get("n")}


def parse_medians(stored: Mapping[str, str], codes: Sequence[str]) -> dict[str, Decimal]:
    """{code: median} for the given (should) codes from medians stored as text."""
    return {code: _decimal(stored[code]) for code in codes if code in stored}


_DECIMALS: dict[str, Decimal] = {}


def _decimal(text: str) -> Decimal:
    # Medians take a handful of values (0, 0.5, ... 5): parse each once.
    value = _DECIMALS.get(text)
    if value is None:
        value = _DECIMALS.setdefault(text, Decimal(text))
    return value


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def weighted_scores(
    rows: Sequence[Mapping[str, Decimal]], criteria: Sequence[CriterionSpec]
) -> list[Decimal | None]:
    """``scoring.weighted_score(medians, criteria)`` for many rows at once, in exact integer arithmetic.

    Weights are scaled by 10**p and adjusted medians by 10**q so every sum is an int; the score in
    tenths is then floor((400 x sum(W x A) + 10**q x sum(W)) / (2 x 10**q x sum(W))), which is the
    half-up rounding of 100 x sum(w x a) / (5 x sum(w)) to one decimal. Re-scoring 50,000 rows this
    way takes a fraction of the Decimal route; the unit tests check they agree.
    """
    shoulds = [spec for spec in criteria if spec.kind is CriterionKind.SHOULD]
    p = max((_places(spec.weight) for spec in shoulds), default=0)
    weights = {spec.code: int(spec.weight.scaleb(p)) for spec in shoulds}
    lower = {spec.code for spec in shoulds if spec.direction is Direction.LOWER_BETTER}
    values = {value for row in rows for value in row.values()}
    q = max((_places(value) for value in values), default=0)
    scale = 10**q
    adjusted = {
        (code, value): int(((SCORE_MAX - value) if code in lower else value).scaleb(q))
        for code in weights
        for value in values
    }
    scores: list[Decimal | None] = []
    for row in rows:
        total = 0
        total_weight = 0
        for code, value in row.items():
            weight = weights.get(code)
            if weight is not None:
                total += weight * adjusted[code, value]
                total_weight += weight
        if total_weight == 0:
            scores.append(None)
            continue
        bottom = total_weight * scale
        scores.append(Decimal((400 * total + bottom) // (2 * bottom)).scaleb(-1))
    return scores
