"""Stored panel summaries (domain/panel.py): re-aggregating under any scheme equals aggregating the
assessments themselves, so a new scheme version never needs the assessments read again."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from changeauth.domain.panel import (
    compare_rankings,
    exclusion_reason,
    parse_medians,
    reaggregate,
    stored_medians,
    summarise,
    weighted_scores,
)
from changeauth.domain.scoring import (
    DEFAULT_CRITERIA,
    CriterionKind,
    CriterionSpec,
    Direction,
    RankInput,
    ScoreStatus,
    aggregate,
    weighted_score,
)

D = Decimal
NEW = CriterionSpec(
    "digital_inclusion", "Digital inclusion", CriterionKind.SHOULD, D(10), Direction.HIGHER_BETTER
)
NEW_MUST = CriterionSpec("legal_duty", "Legal duty met", CriterionKind.MUST, D(0), Direction.HIGHER_BETTER)


def counted(
    criteria: tuple[CriterionSpec, ...], panel: list[dict[str, int | bool]]
) -> list[dict[str, int | bool]]:
    """What the service gives aggregate(): only values of the kind each criterion expects."""
    kinds = {spec.code: spec.kind for spec in criteria}
    return [
        {c: v for c, v in a.items() if c in kinds and isinstance(v, bool) == (kinds[c] is CriterionKind.MUST)}
        for a in panel
    ]


def test_summary_of_a_panel() -> None:
    panel = [
        {"customer_need": 1, "within_remit": True},
        {"customer_need": 4, "within_remit": False},
        {"customer_need": 2, "within_remit": True},
        {"customer_need": 5},
    ]
    assert summarise(panel) == {
        # scores 1, 2, 4, 5: median (2 + 4) / 2 = 3
        "customer_need": {"n": 4, "median": "3", "min": 1, "max": 5, "votes": 0, "passes": 0},
        "within_remit": {"n": 0, "median": None, "min": None, "max": None, "votes": 3, "passes": 2},
    }


def test_a_new_criterion_without_scores_makes_a_full_panel_provisional() -> None:
    panel = [
        {
            "strategic_priority": 3,
            "customer_need": 3,
            "transaction_volume": 3,
            "complexity": 3,
            "reform_risk": 3,
        }
    ] * 3
    before = reaggregate(summarise(panel), 3, DEFAULT_CRITERIA[:5])
    after = reaggregate(summarise(panel), 3, (*DEFAULT_CRITERIA[:5], NEW))
    # a = 3, 3, 3, 2, 2 -> 75 + 75 + 60 + 30 + 30 = 270 -> 54.0, with or without the unscored criterion
    assert (before.status, before.weighted_score) == (ScoreStatus.FINAL, D("54.0"))
    assert (after.status, after.weighted_score) == (ScoreStatus.PROVISIONAL, D("54.0"))


def test_exclusion_reason_names_the_failed_criterion_and_the_vote() -> None:
    summary = summarise([{"within_remit": True}, {"within_remit": False}, {"within_remit": False}])
    assert exclusion_reason(summary, DEFAULT_CRITERIA) == (
        "Fails 'Within the council's powers and remit': 1 of 3 members said it is met."
    )


def test_compare_rankings_marks_rows_that_were_not_ranked_before() -> None:
    t0 = datetime(2026, 1, 1)
    a = RankInput(1, False, ScoreStatus.FINAL, D(50), t0, True, {})
    b = RankInput(2, False, ScoreStatus.FINAL, D(60), t0, False, {})
    after = [replace(a, weighted_score=D(40)), replace(b, must_meet_passed=True)]
    assert compare_rankings([a, b], after) == [(2, 1, D(60), None), (1, 2, D(40), -1)]


@st.composite
def scheme_change(draw: st.DrawFn) -> tuple[CriterionSpec, ...]:
    """A later scheme: criteria dropped, added, re-weighted, turned round or changed in kind."""
    criteria = []
    for spec in DEFAULT_CRITERIA:
        if draw(st.integers(0, 5)) == 0:
            continue
        if spec.kind is CriterionKind.SHOULD:
            spec = replace(
                spec,
                weight=D(draw(st.integers(0, 60))),
                direction=draw(st.sampled_from(list(Direction))),
            )
        if draw(st.integers(0, 8)) == 0:  # the same code, the other kind
            kind = CriterionKind.MUST if spec.kind is CriterionKind.SHOULD else CriterionKind.SHOULD
            spec = replace(spec, kind=kind, weight=D(0) if kind is CriterionKind.MUST else D(10))
        criteria.append(spec)
    criteria += [extra for extra in (NEW, NEW_MUST) if draw(st.booleans())]
    return tuple(criteria)


assessment = st.fixed_dictionaries(
    {spec.code: st.integers(0, 5) for spec in DEFAULT_CRITERIA if spec.kind is CriterionKind.SHOULD}
    | {"within_remit": st.booleans()},
    optional={"digital_inclusion": st.integers(0, 5), "legal_duty": st.booleans()},
)


@given(
    panel=st.lists(assessment, max_size=6),
    criteria=scheme_change(),
    quorum=st.integers(1, 4),
    threshold=st.integers(1, 5),
)
def test_reaggregating_a_summary_equals_aggregating_the_assessments(
    panel: list[dict[str, int | bool]], criteria: tuple[CriterionSpec, ...], quorum: int, threshold: int
) -> None:
    if not any(spec.kind is CriterionKind.SHOULD for spec in criteria):
        criteria = (*criteria, NEW)
    expected = aggregate(criteria, counted(criteria, panel), quorum=quorum, disagreement_threshold=threshold)
    actual = reaggregate(
        summarise(panel), len(panel), criteria, quorum=quorum, disagreement_threshold=threshold
    )
    assert actual == expected


halves = st.integers(0, 10).map(lambda n: D(n) / 2)
should_codes = [spec.code for spec in DEFAULT_CRITERIA if spec.kind is CriterionKind.SHOULD]


@given(
    rows=st.lists(st.dictionaries(st.sampled_from(should_codes), halves), max_size=12),
    criteria=scheme_change(),
)
def test_batch_weighted_scores_equal_the_one_at_a_time_route(
    rows: list[dict[str, Decimal]], criteria: tuple[CriterionSpec, ...]
) -> None:
    criteria = tuple(
        replace(spec, weight=spec.weight / 4) if spec.code == "customer_need" else spec for spec in criteria
    )
    assert weighted_scores(rows, criteria) == [weighted_score(row, criteria) for row in rows]


def test_stored_medians_and_parsing_them_back() -> None:
    summary = summarise([{"customer_need": 1, "complexity": 2}, {"customer_need": 2, "within_remit": True}])
    stored = stored_medians(summary)
    assert stored == {"customer_need": "1.5", "complexity": "2"}
    assert parse_medians(stored, ["customer_need", "complexity", "reform_risk"]) == {
        "customer_need": D("1.5"),
        "complexity": D(2),
    }
