"""Tests for the scoring rules (docs/scoring-and-backlog.md).

Expected numbers are worked by hand in comments."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changeauth.domain.ranking import RankTable, backlog_sort_key, rank, rank_ranges, rescore, what_if
from changeauth.domain.scoring import (
    DEFAULT_CRITERIA,
    SCHEME_ERRORS_KEY,
    CriterionKind,
    CriterionResult,
    CriterionSpec,
    Direction,
    RankInput,
    ScoreStatus,
    aggregate,
    can_see_individual_scores,
    contributions,
    median,
    validate_assessment,
    validate_scheme,
    weighted_score,
)

D = Decimal
T0 = datetime(2025, 4, 1, 9, 0)
SHOULD_CODES = ("strategic_priority", "customer_need", "transaction_volume", "complexity", "reform_risk")
HIGHER_BETTER_CODES = ("strategic_priority", "customer_need", "transaction_volume")


def should(code: str, weight: int | str, direction: Direction = Direction.HIGHER_BETTER) -> CriterionSpec:
    return CriterionSpec(code, code.replace("_", " ").title(), CriterionKind.SHOULD, D(weight), direction)


def must(code: str) -> CriterionSpec:
    return CriterionSpec(
        code, code.replace("_", " ").title(), CriterionKind.MUST, D(0), Direction.HIGHER_BETTER
    )


def assessment(sp: int, cn: int, tv: int, cx: int, rr: int, remit: bool = True) -> dict[str, int | bool]:
    return {
        "strategic_priority": sp,
        "customer_need": cn,
        "transaction_volume": tv,
        "complexity": cx,
        "reform_risk": rr,
        "within_remit": remit,
    }


def row(
    id_: int,
    *,
    score: str | None,
    status: ScoreStatus = ScoreStatus.FINAL,
    mandatory: bool = False,
    minutes: int = 0,
    passed: bool | None = True,
    medians: Mapping[str, Decimal] | None = None,
) -> RankInput:
    return RankInput(
        id=id_,
        is_mandatory=mandatory,
        status=status,
        weighted_score=None if score is None else D(score),
        submitted_at=T0 + timedelta(minutes=minutes),
        must_meet_passed=passed,
        medians=medians or {},
    )


def result_for(results: Sequence[CriterionResult], code: str) -> CriterionResult:
    return next(result for result in results if result.code == code)


# --- default scheme ----------------------------------------------------------------------------


def test_default_criteria_match_the_design_table() -> None:
    table = {spec.code: (spec.kind, spec.weight, spec.direction) for spec in DEFAULT_CRITERIA}
    assert table == {
        "strategic_priority": (CriterionKind.SHOULD, D(25), Direction.HIGHER_BETTER),
        "customer_need": (CriterionKind.SHOULD, D(25), Direction.HIGHER_BETTER),
        "transaction_volume": (CriterionKind.SHOULD, D(20), Direction.HIGHER_BETTER),
        "complexity": (CriterionKind.SHOULD, D(15), Direction.LOWER_BETTER),
        "reform_risk": (CriterionKind.SHOULD, D(15), Direction.LOWER_BETTER),
        "within_remit": (CriterionKind.MUST, D(0), Direction.HIGHER_BETTER),
    }
    for spec in DEFAULT_CRITERIA:
        assert spec.name
        if spec.kind is CriterionKind.SHOULD:
            assert sorted(spec.descriptors) == ["0", "1", "2", "3", "4", "5"]
            assert all(text.strip() for text in spec.descriptors.values())
        else:
            assert set(spec.descriptors) == {"pass", "fail"}


def test_default_criteria_pass_scheme_validation() -> None:
    assert validate_scheme([scheme_item(spec) for spec in DEFAULT_CRITERIA]) == {}


def test_criterion_descriptors_cannot_be_mutated() -> None:
    with pytest.raises(TypeError):
        DEFAULT_CRITERIA[0].descriptors["0"] = "changed"  # type: ignore[index]


def test_criterion_spec_rejects_negative_weight() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        should("broken", -1)


# --- median ------------------------------------------------------------------------------------


def test_median_of_odd_count_is_the_middle_value() -> None:
    # sorted: 1, 3, 4 -> 3
    assert median([4, 1, 3]) == D(3)


def test_median_of_even_count_is_mean_of_middle_two() -> None:
    # sorted: 1, 2, 4, 5 -> (2 + 4) / 2 = 3; and 3, 4 -> 3.5
    assert median([5, 1, 4, 2]) == D(3)
    assert median([4, 3]) == D("3.5")


def test_median_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        median([])


# --- aggregate ---------------------------------------------------------------------------------


def test_odd_panel_of_three_with_default_weights() -> None:
    panel = [assessment(4, 5, 2, 1, 0), assessment(3, 5, 3, 2, 1), assessment(5, 4, 4, 3, 2)]
    result = aggregate(DEFAULT_CRITERIA, panel)

    # medians: sp 3,4,5 -> 4; cn 4,5,5 -> 5; tv 2,3,4 -> 3; cx 1,2,3 -> 2; rr 0,1,2 -> 1
    # adjusted: 4, 5, 3, 5-2=3, 5-1=4
    # sum w*a = 25*4 + 25*5 + 20*3 + 15*3 + 15*4 = 100 + 125 + 60 + 45 + 60 = 390
    # score = 100 * 390 / (5 * 100) = 78.0
    assert result.weighted_score == D("78.0")
    assert str(result.weighted_score) == "78.0"
    assert result.status is ScoreStatus.FINAL
    assert result.scorers == 3
    assert result.must_meet_passed is True
    assert result.failed_must == ()
    # widest spread is 2 (e.g. sp 3..5), below the default threshold of 3
    assert result.disagreement is False
    assert result_for(result.criteria, "strategic_priority") == CriterionResult(
        "strategic_priority", D(4), 3, 5, 3, False, None
    )
    assert result_for(result.criteria, "complexity") == CriterionResult(
        "complexity", D(2), 1, 3, 3, False, None
    )
    assert result_for(result.criteria, "within_remit") == CriterionResult(
        "within_remit", None, None, None, 3, False, 3
    )


def test_even_panel_of_four_uses_mean_of_middle_two() -> None:
    panel = [
        assessment(2, 4, 1, 0, 1, True),
        assessment(3, 4, 2, 1, 1, True),
        assessment(4, 5, 2, 2, 1, False),
        assessment(5, 5, 3, 2, 2, True),
    ]
    result = aggregate(DEFAULT_CRITERIA, panel)

    # medians: sp (3+4)/2 = 3.5; cn (4+5)/2 = 4.5; tv (2+2)/2 = 2; cx (1+2)/2 = 1.5; rr (1+1)/2 = 1
    # adjusted: 3.5, 4.5, 2, 5-1.5 = 3.5, 5-1 = 4
    # sum w*a = 87.5 + 112.5 + 40 + 52.5 + 60 = 352.5 ; 100 * 352.5 / 500 = 70.5
    assert result.weighted_score == D("70.5")
    assert result_for(result.criteria, "strategic_priority").median == D("3.5")
    assert result_for(result.criteria, "complexity").median == D("1.5")
    # within_remit: 3 passes of 4 is a strict majority
    assert result.must_meet_passed is True
    assert result_for(result.criteria, "within_remit").passes == 3
    # sp spread 5 - 2 = 3 reaches the threshold of 3; every other spread is at most 2
    assert result.disagreement is True
    flagged = [r.code for r in result.criteria if r.disagreement]
    assert flagged == ["strategic_priority"]
    assert result.status is ScoreStatus.FINAL


def test_lower_better_criterion_is_inverted() -> None:
    complexity_only = [should("complexity", 1, Direction.LOWER_BETTER)]
    # median 1 -> adjusted 5 - 1 = 4 -> 100 * 4 / 5 = 80.0
    assert weighted_score({"complexity": D(1)}, complexity_only) == D("80.0")
    # the same median on a higher_better criterion: 100 * 1 / 5 = 20.0
    assert weighted_score({"complexity": D(1)}, [should("complexity", 1)]) == D("20.0")
    result = aggregate(complexity_only, [{"complexity": 0}, {"complexity": 1}, {"complexity": 3}])
    assert result.weighted_score == D("80.0")


def test_rounding_is_half_up_where_float_and_bankers_rounding_go_down() -> None:
    scheme = [should("a", 3), should("b", 5)]
    # a = 3.5 (median of 3 and 4), b = 4: sum w*a = 3*3.5 + 5*4 = 30.5 ; sum w = 8
    # score = 100 * 30.5 / (5 * 8) = 3050 / 40 = 76.25 exactly -> half-up 76.3
    assert weighted_score({"a": D("3.5"), "b": D(4)}, scheme) == D("76.3")
    # the same value rounded as a float or with banker's rounding comes out 76.2
    assert round(76.25, 1) == 76.2
    assert D("76.25").quantize(D("0.1"), rounding=ROUND_HALF_EVEN) == D("76.2")

    panel: list[Mapping[str, int | bool]] = [{"a": 3, "b": 4}, {"a": 4, "b": 4}]
    assert aggregate(scheme, panel, quorum=2).weighted_score == D("76.3")


def test_contributions_are_points_of_the_score() -> None:
    medians = {"strategic_priority": D(4), "customer_need": D(5), "transaction_volume": D(3)}
    medians |= {"complexity": D(2), "reform_risk": D(1)}
    # 100 * w * a / 500 = w * a / 5: 25*4/5 = 20, 25*5/5 = 25, 20*3/5 = 12, 15*3/5 = 9, 15*4/5 = 12
    assert contributions(medians, DEFAULT_CRITERIA) == {
        "strategic_priority": D("20.00"),
        "customer_need": D("25.00"),
        "transaction_volume": D("12.00"),
        "complexity": D("9.00"),
        "reform_risk": D("12.00"),
    }
    assert str(contributions(medians, DEFAULT_CRITERIA)["complexity"]) == "9.00"


def test_contributions_round_half_up_to_two_places() -> None:
    scheme = [should("x", 1), should("y", 15)]
    # sum w = 16, denominator 5 * 16 = 80
    # x: 100 * 1 * 0.5 / 80 = 0.625 -> 0.63 ; y: 100 * 15 * 5 / 80 = 93.75
    # score: 100 * (0.5 + 75) / 80 = 94.375 -> 94.4
    medians = {"x": D("0.5"), "y": D(5)}
    assert contributions(medians, scheme) == {"x": D("0.63"), "y": D("93.75")}
    assert weighted_score(medians, scheme) == D("94.4")


def test_contributions_empty_without_medians() -> None:
    assert contributions({}, DEFAULT_CRITERIA) == {}


def test_must_fails_with_one_pass_of_three() -> None:
    panel = [
        assessment(3, 3, 3, 3, 3, True),
        assessment(3, 3, 3, 3, 3, False),
        assessment(3, 3, 3, 3, 3, False),
    ]
    result = aggregate(DEFAULT_CRITERIA, panel)
    assert result.must_meet_passed is False
    assert result.failed_must == ("within_remit",)
    assert result_for(result.criteria, "within_remit").passes == 1
    # the score is still worked out: a = 3,3,3,2,2 -> 75+75+60+30+30 = 270 -> 100 * 270 / 500 = 54.0
    assert result.weighted_score == D("54.0")


def test_must_passes_with_two_of_three() -> None:
    panel = [
        assessment(3, 3, 3, 3, 3, True),
        assessment(3, 3, 3, 3, 3, False),
        assessment(3, 3, 3, 3, 3, True),
    ]
    assert aggregate(DEFAULT_CRITERIA, panel).must_meet_passed is True


def test_must_tie_two_of_four_fails() -> None:
    votes = [True, False, True, False]
    panel = [assessment(3, 3, 3, 3, 3, vote) for vote in votes]
    result = aggregate(DEFAULT_CRITERIA, panel)
    assert result.must_meet_passed is False
    assert result.failed_must == ("within_remit",)
    assert result_for(result.criteria, "within_remit").passes == 2


@pytest.mark.parametrize(
    ("scores", "threshold", "flagged"),
    [
        ((0, 4), 3, True),  # 4 - 0 = 4 >= 3
        ((1, 3), 3, False),  # 3 - 1 = 2 < 3
        ((1, 3), 2, True),  # 2 >= 2 with a stricter threshold
        ((2, 5, 3), 3, True),  # 5 - 2 = 3, exactly the threshold
    ],
)
def test_disagreement(scores: tuple[int, ...], threshold: int, flagged: bool) -> None:
    scheme = [should("a", 1), should("b", 1)]
    panel: list[Mapping[str, int | bool]] = [{"a": score, "b": 2} for score in scores]
    result = aggregate(scheme, panel, quorum=2, disagreement_threshold=threshold)
    assert result_for(result.criteria, "a").disagreement is flagged
    assert result_for(result.criteria, "b").disagreement is False
    assert result.disagreement is flagged


def test_two_scorers_are_provisional() -> None:
    result = aggregate(DEFAULT_CRITERIA, [assessment(4, 4, 4, 1, 1), assessment(2, 4, 4, 1, 1)])
    assert result.status is ScoreStatus.PROVISIONAL
    assert result.scorers == 2
    # sp (2+4)/2 = 3; a = 3,4,4,4,4 -> 75+100+80+60+60 = 375 -> 100 * 375 / 500 = 75.0
    assert result.weighted_score == D("75.0")


def test_quorum_is_configurable() -> None:
    panel = [assessment(4, 4, 4, 1, 1), assessment(2, 4, 4, 1, 1)]
    assert aggregate(DEFAULT_CRITERIA, panel, quorum=2).status is ScoreStatus.FINAL


def test_no_assessments_is_unscored() -> None:
    result = aggregate(DEFAULT_CRITERIA, [])
    assert result.status is ScoreStatus.UNSCORED
    assert result.scorers == 0
    assert result.weighted_score is None
    assert result.must_meet_passed is None
    assert result.disagreement is False
    assert result.failed_must == ()
    assert [r.n for r in result.criteria] == [0] * 6
    assert result_for(result.criteria, "within_remit").passes == 0


def test_new_should_criterion_without_scores_makes_result_provisional() -> None:
    scheme = (*DEFAULT_CRITERIA, should("digital_inclusion", 10))
    panel = [assessment(4, 5, 2, 1, 0), assessment(3, 5, 3, 2, 1), assessment(5, 4, 4, 3, 2)]
    result = aggregate(scheme, panel)
    assert result.status is ScoreStatus.PROVISIONAL
    assert result_for(result.criteria, "digital_inclusion") == CriterionResult(
        "digital_inclusion", None, None, None, 0, False, None
    )
    # the new criterion has no median so it is left out of both sums: 100 * 390 / (5 * 100) = 78.0
    assert result.weighted_score == D("78.0")


def test_new_must_criterion_without_votes_is_not_a_failure_but_is_provisional() -> None:
    scheme = (*DEFAULT_CRITERIA, must("data_protection_ok"))
    panel = [assessment(3, 3, 3, 3, 3)] * 3
    result = aggregate(scheme, panel)
    assert result.status is ScoreStatus.PROVISIONAL
    assert result.must_meet_passed is True
    assert result.failed_must == ()


def test_criterion_scored_by_too_few_after_being_added_late_is_provisional() -> None:
    scheme = (*DEFAULT_CRITERIA, should("digital_inclusion", 10))
    late = assessment(3, 3, 3, 3, 3) | {"digital_inclusion": 5}
    result = aggregate(scheme, [assessment(3, 3, 3, 3, 3), assessment(3, 3, 3, 3, 3), late])
    assert result.status is ScoreStatus.PROVISIONAL
    assert result_for(result.criteria, "digital_inclusion").n == 1


def test_codes_no_longer_in_the_scheme_are_ignored() -> None:
    panel = [assessment(3, 3, 3, 3, 3) | {"retired_criterion": 5}] * 3
    assert aggregate(DEFAULT_CRITERIA, panel).status is ScoreStatus.FINAL


@pytest.mark.parametrize(
    "bad",
    [
        {"strategic_priority": 6},
        {"strategic_priority": -1},
        {"strategic_priority": True},
        {"within_remit": 1},
    ],
)
def test_aggregate_rejects_invalid_values(bad: Mapping[str, int | bool]) -> None:
    with pytest.raises(ValueError, match="criterion"):
        aggregate(DEFAULT_CRITERIA, [assessment(3, 3, 3, 3, 3) | bad])


def test_aggregate_rejects_bad_settings_and_duplicate_codes() -> None:
    with pytest.raises(ValueError, match="quorum"):
        aggregate(DEFAULT_CRITERIA, [], quorum=0)
    with pytest.raises(ValueError, match="threshold"):
        aggregate(DEFAULT_CRITERIA, [], disagreement_threshold=0)
    with pytest.raises(ValueError, match="unique"):
        aggregate([should("a", 1), should("a", 2)], [])


# --- weighted_score ----------------------------------------------------------------------------

EXAMPLE_MEDIANS = {
    "strategic_priority": D(4),
    "customer_need": D(5),
    "transaction_volume": D(3),
    "complexity": D(2),
    "reform_risk": D(1),
}


def test_weighted_score_with_default_weights() -> None:
    # a = 4, 5, 3, 3, 4 -> 390 -> 100 * 390 / (5 * 100) = 78.0
    assert weighted_score(EXAMPLE_MEDIANS, DEFAULT_CRITERIA) == D("78.0")


def test_weighted_score_with_other_weights() -> None:
    # strategic_priority weighted 0: sum w = 75, sum w*a = 390 - 100 = 290
    # 100 * 290 / (5 * 75) = 77.333... -> 77.3
    assert weighted_score(EXAMPLE_MEDIANS, DEFAULT_CRITERIA, {"strategic_priority": D(0)}) == D("77.3")


def test_weighted_score_is_none_without_medians_or_weights() -> None:
    assert weighted_score({}, DEFAULT_CRITERIA) is None
    zero = {code: D(0) for code in SHOULD_CODES}
    assert weighted_score(EXAMPLE_MEDIANS, DEFAULT_CRITERIA, zero) is None


def test_weighted_score_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="weight"):
        weighted_score(EXAMPLE_MEDIANS, DEFAULT_CRITERIA, {"complexity": D(-1)})
    with pytest.raises(ValueError, match="outside 0-5"):
        weighted_score({"complexity": D(6)}, DEFAULT_CRITERIA)


# --- the backlog -------------------------------------------------------------------------------


def test_full_backlog_order() -> None:
    rows = [
        row(1, score="80.0", minutes=0),
        row(2, score="50.0", status=ScoreStatus.PROVISIONAL, mandatory=True, minutes=5),
        row(3, score="40.0", mandatory=True, minutes=6),
        row(4, score="80.0", minutes=1),
        row(5, score="90.0", minutes=9),
        row(6, score=None, status=ScoreStatus.PROVISIONAL, minutes=0),
        row(7, score="10.0", status=ScoreStatus.PROVISIONAL, minutes=3),
        row(8, score=None, status=ScoreStatus.UNSCORED, passed=None, minutes=0),
        row(9, score=None, status=ScoreStatus.UNSCORED, passed=None, minutes=0),
        row(11, score="80.0", minutes=1),
        row(12, score="99.0", passed=False, minutes=0),
    ]
    ranked, excluded = rank(list(reversed(rows)))
    # mandatory first (final 3 before provisional 2); then final by score: 5 (90), then the 80s by
    # submission time: 1 (0 min), then 4 and 11 (both 1 min, by id); provisional: 7 (10.0) before
    # 6 (no score); unscored 8 and 9 (same time, by id). 12 failed its must criterion.
    assert [r.id for r in ranked] == [3, 2, 5, 1, 4, 11, 7, 6, 8, 9]
    assert [r.id for r in excluded] == [12]


def test_backlog_sort_key_puts_mandatory_first() -> None:
    assert backlog_sort_key(row(1, score="1.0", mandatory=True)) < backlog_sort_key(row(2, score="99.0"))


def test_mandatory_must_failure_is_still_excluded() -> None:
    ranked, excluded = rank([row(1, score="50.0", mandatory=True, passed=False), row(2, score="10.0")])
    assert [r.id for r in ranked] == [2]
    assert [r.id for r in excluded] == [1]


def test_rescore_recomputes_from_medians_only() -> None:
    rows = [row(1, score="78.0", medians=EXAMPLE_MEDIANS), row(2, score=None, status=ScoreStatus.UNSCORED)]
    rescored = rescore(rows, DEFAULT_CRITERIA, {"strategic_priority": D(0)})
    # 77.3 worked in test_weighted_score_with_other_weights
    assert rescored[0].weighted_score == D("77.3")
    assert rescored[0].medians == EXAMPLE_MEDIANS
    assert rescored[0].status is ScoreStatus.FINAL
    assert rescored[1].weighted_score is None


def two_criteria() -> list[CriterionSpec]:
    return [should("a", 50), should("b", 50)]


def sensitivity_rows() -> list[RankInput]:
    # base weights a = b = 50 (sum 100, denominator 500):
    # W (mandatory) a=0 b=0      -> 0.0, always first because it is mandatory
    # X             a=5 b=1      -> 250 + 50 = 300 -> 60.0
    # Y             a=1 b=4.5    -> 50 + 225 = 275 -> 55.0
    # Z             a=0 b=0      -> 0.0, always last
    # E             failed its must criterion: never ranked
    return [
        row(1, score="0.0", mandatory=True, medians={"a": D(0), "b": D(0)}),
        row(2, score="60.0", minutes=1, medians={"a": D(5), "b": D(1)}),
        row(3, score="55.0", minutes=2, medians={"a": D(1), "b": D("4.5")}),
        row(4, score="0.0", minutes=3, medians={"a": D(0), "b": D(0)}),
        row(5, score="90.0", passed=False, medians={"a": D(5), "b": D(4)}),
    ]


def test_rank_ranges_with_a_swap() -> None:
    # a x 0.8 = 40 (sum 90, denominator 450): X 200+50 = 250 -> 55.6 ; Y 40+225 = 265 -> 58.9 -> swap
    # a x 1.2 = 60 (sum 110, denominator 550): X 300+50 = 350 -> 63.6 ; Y 60+225 = 285 -> 51.8
    # b x 0.8 = 40 (denominator 450): X 250+40 = 290 -> 64.4 ; Y 50+180 = 230 -> 51.1
    # b x 1.2 = 60 (denominator 550): X 250+60 = 310 -> 56.4 ; Y 50+270 = 320 -> 58.2 -> swap
    ranges = rank_ranges(sensitivity_rows(), two_criteria())
    assert ranges == {1: (1, 1), 2: (2, 3), 3: (2, 3), 4: (4, 4)}


def test_rank_ranges_without_a_swap() -> None:
    # X 60.0 vs Y' a=1 b=2 -> 50+100 = 150 -> 30.0. Worst case for X is b x 1.2:
    # X 310/550 -> 56.4 ; Y' 50+120 = 170 -> 17000/550 = 30.9. Never close.
    rows = sensitivity_rows()
    rows[2] = row(3, score="30.0", minutes=2, medians={"a": D(1), "b": D(2)})
    assert rank_ranges(rows, two_criteria()) == {1: (1, 1), 2: (2, 2), 3: (3, 3), 4: (4, 4)}


def test_rank_ranges_with_a_smaller_swing() -> None:
    # a x 0.95 = 47.5 (sum 97.5, denominator 487.5): X 237.5+50 = 287.5 -> 59.0 ; Y 47.5+225 = 272.5 -> 55.9
    # b x 1.05 = 52.5 (denominator 512.5): X 250+52.5 = 302.5 -> 59.0 ; Y 50+236.25 = 286.25 -> 55.9
    # the other two moves widen the gap, so nothing swaps
    ranges = rank_ranges(sensitivity_rows(), two_criteria(), swing=D("0.05"))
    assert ranges == {1: (1, 1), 2: (2, 2), 3: (3, 3), 4: (4, 4)}


def test_rank_ranges_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="swing"):
        rank_ranges(sensitivity_rows(), two_criteria(), swing=D("1.5"))
    with pytest.raises(ValueError, match="unique"):
        rank_ranges([row(1, score=None), row(1, score=None)], two_criteria())


def test_what_if_reports_rank_change() -> None:
    # weights a = 40, b = 50 (the a x 0.8 case above): X 55.6, Y 58.9 -> Y moves 3 -> 2, X 2 -> 3
    result = what_if(sensitivity_rows(), two_criteria(), {"a": D(40)})
    assert result == [
        (1, 1, D("0.0"), 0),
        (3, 2, D("58.9"), 1),
        (2, 3, D("55.6"), -1),
        (4, 4, D("0.0"), 0),
    ]


# --- validation --------------------------------------------------------------------------------


def scheme_item(spec: CriterionSpec) -> dict[str, object]:
    return {
        "code": spec.code,
        "name": spec.name,
        "kind": str(spec.kind),
        "weight": None if spec.kind is CriterionKind.MUST else spec.weight,
        "direction": str(spec.direction),
        "descriptors": dict(spec.descriptors),
    }


def good_should(code: str = "value", **overrides: object) -> dict[str, object]:
    item: dict[str, object] = {
        "code": code,
        "name": "Value",
        "kind": "should",
        "weight": D(10),
        "direction": "higher_better",
        "descriptors": {str(point): f"Anchor {point}" for point in range(6)},
    }
    return item | overrides


def good_must(code: str = "legal", **overrides: object) -> dict[str, object]:
    item: dict[str, object] = {"code": code, "name": "Legal", "kind": "must", "weight": None}
    return item | overrides


CODE_MESSAGE = (
    "Code must be 2 to 40 characters: a lower-case letter, then lower-case letters, digits or underscores."
)


def test_valid_scheme_has_no_errors() -> None:
    assert validate_scheme([good_should(), good_must()]) == {}
    assert (
        validate_scheme([good_should(weight="12.5"), good_must(weight=0), good_must("other", weight="0")])
        == {}
    )


@pytest.mark.parametrize("code", ["Value", "v", "1value", "a" * 41, "val-ue", "value\n", "val ue"])
def test_scheme_rejects_bad_codes(code: str) -> None:
    assert validate_scheme([good_should(code)]) == {code: [CODE_MESSAGE]}


def test_scheme_accepts_code_limits() -> None:
    assert validate_scheme([good_should("ab"), good_should("a" + "_9" * 19 + "z")]) == {}


def test_scheme_needs_a_code() -> None:
    assert validate_scheme([good_should(), good_should(None)]) == {"#2": ["Enter a code."]}
    assert validate_scheme([good_should(), good_should("")]) == {"#2": ["Enter a code."]}


def test_scheme_rejects_duplicate_codes() -> None:
    errors = validate_scheme([good_should("value"), good_must("value"), good_should("other")])
    assert errors == {"value": ["Code 'value' is used by more than one criterion."]}


def test_scheme_needs_names() -> None:
    assert validate_scheme([good_should(name="  ")]) == {"value": ["Enter a name."]}


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        (D(-1), "Weight must not be negative."),
        ("-0.5", "Weight must not be negative."),
        ("heavy", "Weight must be a number."),
        ("NaN", "Weight must be a number."),
        (True, "Weight must be a number."),
        (2.5, "Weight must be a number."),
        (None, "Enter a weight."),
        ("", "Enter a weight."),
    ],
)
def test_scheme_weight_errors(weight: object, message: str) -> None:
    errors = validate_scheme([good_should(), good_should("other", weight=weight)])
    assert errors == {"other": [message]}


def test_scheme_needs_a_positive_should_weight() -> None:
    errors = validate_scheme([good_should(weight=0), good_should("other", weight="0"), good_must()])
    assert errors == {SCHEME_ERRORS_KEY: ["At least one should-meet criterion needs a weight above zero."]}


def test_scheme_needs_a_should_criterion() -> None:
    message = "Add at least one should-meet criterion."
    assert validate_scheme([good_must()]) == {SCHEME_ERRORS_KEY: [message]}
    assert validate_scheme([]) == {SCHEME_ERRORS_KEY: [message]}


def test_scheme_rejects_unknown_kind_and_direction() -> None:
    errors = validate_scheme(
        [good_should(), good_should("other", kind="could"), good_should("third", direction="up")]
    )
    assert errors == {
        "other": ["Kind must be 'should' or 'must'."],
        "third": ["Direction must be 'higher_better' or 'lower_better'."],
    }
    assert validate_scheme([good_should(), good_must(direction="sideways")]) == {
        "legal": ["Direction must be 'higher_better' or 'lower_better'."]
    }
    assert validate_scheme([good_should(), good_must(kind=["must"])]) == {
        "legal": ["Kind must be 'should' or 'must'."]
    }


def test_scheme_needs_all_six_descriptors() -> None:
    missing_two = {str(point): "text" for point in range(6) if point not in (0, 5)}
    blank_three = {str(point): "   " if point == 3 else "text" for point in range(6)}
    errors = validate_scheme(
        [
            good_should("first", descriptors=missing_two),
            good_should("second", descriptors=blank_three),
            good_should("third", descriptors=None),
        ]
    )
    assert errors == {
        "first": ["Describe what a score of 0 means.", "Describe what a score of 5 means."],
        "second": ["Describe what a score of 3 means."],
        "third": ["Describe what each score from 0 to 5 means."],
    }


@pytest.mark.parametrize("weight", [D(10), "5", "abc", -1])
def test_scheme_must_criterion_has_no_weight(weight: object) -> None:
    errors = validate_scheme([good_should(), good_must(weight=weight)])
    assert errors == {"legal": ["A must-meet criterion has no weight: leave it blank or set it to 0."]}


def test_valid_assessment_has_no_errors() -> None:
    assert validate_assessment(DEFAULT_CRITERIA, assessment(0, 5, 3, 2, 1, False)) == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "Score must be a whole number from 0 to 5."),
        (4.0, "Score must be a whole number from 0 to 5."),
        ("4", "Score must be a whole number from 0 to 5."),
        (D(4), "Score must be a whole number from 0 to 5."),
        (6, "Score must be between 0 and 5."),
        (-1, "Score must be between 0 and 5."),
        (None, "Give a score from 0 to 5."),
    ],
)
def test_assessment_should_score_errors(value: object, message: str) -> None:
    scores: dict[str, object] = {**assessment(3, 3, 3, 3, 3), "complexity": value}
    assert validate_assessment(DEFAULT_CRITERIA, scores) == {"complexity": [message]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1, "Answer must be pass or fail."),
        ("yes", "Answer must be pass or fail."),
        (None, "Say whether this criterion is met."),
    ],
)
def test_assessment_must_vote_errors(value: object, message: str) -> None:
    scores: dict[str, object] = {**assessment(3, 3, 3, 3, 3), "within_remit": value}
    assert validate_assessment(DEFAULT_CRITERIA, scores) == {"within_remit": [message]}


def test_assessment_rejects_missing_and_unknown_codes() -> None:
    scores: dict[str, object] = dict(assessment(3, 3, 3, 3, 3))
    del scores["customer_need"]
    del scores["within_remit"]
    scores["made_up"] = 3
    assert validate_assessment(DEFAULT_CRITERIA, scores) == {
        "made_up": ["This is not a criterion in the current scheme."],
        "customer_need": ["Give a score from 0 to 5."],
        "within_remit": ["Say whether this criterion is met."],
    }


@pytest.mark.parametrize(
    ("submitted", "admin_or_viewer", "visible"),
    [(False, False, False), (True, False, True), (False, True, True), (True, True, True)],
)
def test_blind_scoring(submitted: bool, admin_or_viewer: bool, visible: bool) -> None:
    assert (
        can_see_individual_scores(viewer_has_submitted=submitted, viewer_is_admin_or_viewer=admin_or_viewer)
        is visible
    )


# --- properties --------------------------------------------------------------------------------

halves = st.integers(min_value=0, max_value=10).map(lambda twice: D(twice) / 2)
scores = st.integers(min_value=0, max_value=5)
weights = st.one_of(
    st.integers(min_value=0, max_value=100).map(D),
    st.integers(min_value=0, max_value=1000).map(lambda tenths: D(tenths) / 10),
)


@st.composite
def assessments(draw: st.DrawFn) -> dict[str, int | bool]:
    return {**{code: draw(scores) for code in SHOULD_CODES}, "within_remit": draw(st.booleans())}


panels = st.lists(assessments(), min_size=1, max_size=7)


@given(
    medians=st.dictionaries(st.sampled_from(SHOULD_CODES), halves),
    overrides=st.dictionaries(st.sampled_from(SHOULD_CODES), weights),
)
def test_weighted_score_is_between_0_and_100(
    medians: dict[str, Decimal], overrides: dict[str, Decimal]
) -> None:
    score = weighted_score(medians, DEFAULT_CRITERIA, overrides)
    assert score is None or D(0) <= score <= D(100)
    if score is not None:
        assert score == score.quantize(D("0.1"))


@given(panel=panels, data=st.data())
def test_raising_a_higher_better_score_never_lowers_the_weighted_score(
    panel: list[dict[str, int | bool]], data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(panel) - 1))
    code = data.draw(st.sampled_from(HIGHER_BETTER_CODES))
    current = panel[index][code]
    assert isinstance(current, int)
    raised = [dict(item) for item in panel]
    raised[index][code] = data.draw(st.integers(min_value=current, max_value=5))
    before = aggregate(DEFAULT_CRITERIA, panel).weighted_score
    after = aggregate(DEFAULT_CRITERIA, raised).weighted_score
    assert before is not None
    assert after is not None
    assert after >= before


@given(panel=panels, data=st.data())
def test_assessment_order_does_not_matter(panel: list[dict[str, int | bool]], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(panel))
    assert aggregate(DEFAULT_CRITERIA, shuffled) == aggregate(DEFAULT_CRITERIA, panel)


@st.composite
def rank_rows(draw: st.DrawFn) -> list[RankInput]:
    count = draw(st.integers(min_value=0, max_value=25))
    rows = []
    for id_ in draw(
        st.lists(st.integers(min_value=1, max_value=10_000), min_size=count, max_size=count, unique=True)
    ):
        status = draw(st.sampled_from(ScoreStatus))
        medians = (
            {}
            if status is ScoreStatus.UNSCORED
            else draw(st.dictionaries(st.sampled_from(SHOULD_CODES), halves))
        )
        rows.append(
            RankInput(
                id=id_,
                is_mandatory=draw(st.booleans()),
                status=status,
                weighted_score=weighted_score(medians, DEFAULT_CRITERIA),
                submitted_at=T0 + timedelta(days=draw(st.integers(min_value=0, max_value=3))),
                must_meet_passed=None
                if status is ScoreStatus.UNSCORED
                else draw(st.sampled_from([True, False])),
                medians=medians,
            )
        )
    return rows


@given(rows=rank_rows())
def test_ranks_are_a_permutation(rows: list[RankInput]) -> None:
    ranked, excluded = rank(rows)
    assert sorted(r.id for r in ranked + excluded) == sorted(r.id for r in rows)
    assert all(r.must_meet_passed is False for r in excluded)
    n = len(ranked)
    ranges = rank_ranges(rows, DEFAULT_CRITERIA)
    assert set(ranges) == {r.id for r in ranked}
    for position, item in enumerate(ranked, start=1):
        low, high = ranges[item.id]
        assert 1 <= low <= position <= high <= n
    new_ranks = [new_rank for _, new_rank, _, _ in what_if(rows, DEFAULT_CRITERIA, {"complexity": D(40)})]
    assert sorted(new_ranks) == list(range(1, n + 1))


@given(rows=rank_rows(), overrides=st.dictionaries(st.sampled_from(SHOULD_CODES), weights))
def test_what_if_matches_weighted_score_and_rank_changes(
    rows: list[RankInput], overrides: dict[str, Decimal]
) -> None:
    by_id = {r.id: r for r in rows}
    old = {r.id: position for position, r in enumerate(rank(rows)[0], start=1)}
    for id_, new_rank, new_score, change in what_if(rows, DEFAULT_CRITERIA, overrides):
        assert new_score == weighted_score(by_id[id_].medians, DEFAULT_CRITERIA, overrides)
        assert change == old[id_] - new_rank


@settings(deadline=None)
@given(rows=rank_rows(), swing=st.sampled_from([D("0.2"), D("0.05"), D("0.33"), D(0), D(1)]))
def test_rank_ranges_match_brute_force(rows: list[RankInput], swing: Decimal) -> None:
    ranked, _ = rank(rows)
    expected = {r.id: [position, position] for position, r in enumerate(ranked, start=1)}
    for spec in DEFAULT_CRITERIA:
        if spec.kind is not CriterionKind.SHOULD:
            continue
        for factor in (1 - swing, 1 + swing):
            moved, _ = rank(rescore(rows, DEFAULT_CRITERIA, {spec.code: spec.weight * factor}))
            for position, r in enumerate(moved, start=1):
                expected[r.id][0] = min(expected[r.id][0], position)
                expected[r.id][1] = max(expected[r.id][1], position)
    assert rank_ranges(rows, DEFAULT_CRITERIA, swing=swing) == {
        id_: (low, high) for id_, (low, high) in expected.items()
    }


def test_rank_ranges_on_twenty_thousand_rows_completes() -> None:
    rng = random.Random(20_000)
    rows = []
    for id_ in range(1, 20_001):
        status = rng.choice(
            [ScoreStatus.FINAL, ScoreStatus.FINAL, ScoreStatus.PROVISIONAL, ScoreStatus.UNSCORED]
        )
        medians = (
            {}
            if status is ScoreStatus.UNSCORED
            else {code: D(rng.randint(0, 10)) / 2 for code in SHOULD_CODES}
        )
        rows.append(
            RankInput(
                id=id_,
                is_mandatory=rng.random() < 0.05,
                status=status,
                weighted_score=None,
                submitted_at=T0 + timedelta(minutes=rng.randint(0, 100_000)),
                must_meet_passed=rng.random() > 0.02,
                medians=medians,
            )
        )
    rows = rescore(rows, DEFAULT_CRITERIA)
    ranges = rank_ranges(rows, DEFAULT_CRITERIA)
    assert len(ranges) == sum(1 for r in rows if r.must_meet_passed)


@given(rows=rank_rows(), overrides=st.dictionaries(st.sampled_from(SHOULD_CODES), weights))
def test_a_what_if_page_is_the_same_slice_of_the_whole_ranking(
    rows: list[RankInput], overrides: dict[str, Decimal]
) -> None:
    ranked, _ = rank(rows)
    lazy = RankTable(ranked, DEFAULT_CRITERIA).what_if(overrides)
    whole = what_if(rows, DEFAULT_CRITERIA, overrides)
    assert len(lazy) == len(whole)
    assert lazy[2:7] == whole[2:7]
    if whole:
        assert lazy[-1] == whole[-1]
        with pytest.raises(IndexError):
            lazy[len(whole)]


@given(rows=rank_rows(), overrides=st.dictionaries(st.sampled_from(SHOULD_CODES), weights))
def test_a_table_read_back_from_its_plain_form_re_ranks_the_same(
    rows: list[RankInput], overrides: dict[str, Decimal]
) -> None:
    ranked, _ = rank(rows)
    table = RankTable(ranked, DEFAULT_CRITERIA)
    plain = json.loads(json.dumps(table.to_plain()))
    # Each array travels as one packed text, not a number per cell, so reading it back parses no rows.
    assert all(isinstance(plain[name], str) for name in ("ids", "values", "present", "tie", "group"))
    again = RankTable.from_plain(plain, DEFAULT_CRITERIA)
    assert list(again.what_if(overrides)) == list(table.what_if(overrides))
    assert again.ids == table.ids


def test_a_packed_table_of_the_wrong_size_is_refused() -> None:
    rows = [
        RankInput(
            id=n,
            is_mandatory=False,
            status=ScoreStatus.FINAL,
            weighted_score=None,
            submitted_at=T0 + timedelta(minutes=n),
            must_meet_passed=True,
            medians={code: D(3) for code in SHOULD_CODES},
        )
        for n in range(1, 4)
    ]
    plain = RankTable(rank(rescore(rows, DEFAULT_CRITERIA))[0], DEFAULT_CRITERIA).to_plain()
    with pytest.raises(ValueError, match="size"):
        RankTable.from_plain({**plain, "count": 4}, DEFAULT_CRITERIA)
