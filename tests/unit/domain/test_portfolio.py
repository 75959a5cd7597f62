"""The portfolio rules without a solver: cost bases, checking a run's inputs, sorting candidates into
fixed, free and ruled out (with the reason), a fixed set that breaks a limit, explanations and the
waterline, and scenarios side by side."""

from __future__ import annotations

from decimal import Decimal

import pytest

from changeauth.domain import portfolio as rules
from changeauth.domain.appraisal import OptionFigures, YearFigures
from changeauth.domain.errors import ValidationFailed
from changeauth.domain.portfolio import Candidate, Displacement, Reason


def candidate(i: int, cost: int | None = 100_000, **overrides: object) -> Candidate:
    """A costed, scored candidate: £1,000 on both bases, NPV £500, 50 points, 2 person-months."""
    values: dict[str, object] = {
        "id": i,
        "ref": f"IMP-{i}",
        "title": f"Improvement {i}",
        "stage": "approved",
        "has_case": cost is not None,
        "first_year_cost_pence": cost,
        "whole_life_cost_pence": cost,
        "npv_pence": 50_000 if cost is not None else None,
        "weighted_score": Decimal(50),
        "score_status": "final",
        "delivery_person_months": Decimal(2),
    }
    values.update(overrides)
    return Candidate(**values)  # type: ignore[arg-type]


def inputs(**overrides: object) -> rules.Inputs:
    values: dict[str, object] = {"budget_pence": 1_000_000, "objective": "score"}
    values.update(overrides)
    return rules.parse_inputs(**values)  # type: ignore[arg-type]


class TestCostBases:
    # Capital £10,000 in year 0 and £2,000 in year 1; revenue £500 a year in years 0-3.
    OPTION = OptionFigures(
        name="Do it",
        is_business_as_usual=False,
        years=(
            YearFigures(year=0, capital_pence=1_000_000, revenue_pence=50_000),
            YearFigures(year=1, capital_pence=200_000, revenue_pence=50_000),
            YearFigures(year=2, revenue_pence=50_000),
            YearFigures(year=3, revenue_pence=50_000, cashable_benefit_pence=900_000),
        ),
    )

    def test_first_year_is_all_capital_plus_year_zero_revenue(self) -> None:
        # £10,000 + £2,000 capital + £500 revenue of year 0 = £12,500.
        assert rules.first_year_cost_pence(self.OPTION) == 1_250_000

    def test_whole_life_is_capital_and_revenue_over_every_year(self) -> None:
        # £12,000 capital + 4 x £500 revenue = £14,000 (benefits do not count against cost).
        assert rules.whole_life_cost_pence(self.OPTION) == 1_400_000


class TestInputs:
    def test_a_good_run(self) -> None:
        checked = inputs(capacity="36.5", cost_basis="whole_life", force_in=[3, 3], force_out=[4])
        assert checked.capacity == Decimal("36.5") and checked.capacity_tenths == 365
        assert checked.cost_basis is rules.CostBasis.WHOLE_LIFE
        assert (checked.force_in, checked.force_out) == (frozenset({3}), frozenset({4}))
        assert checked.to_json() == {
            "budget_pence": 1_000_000,
            "capacity": 36.5,
            "objective": "score",
            "cost_basis": "whole_life",
            "force_in": [3],
            "force_out": [4],
        }

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"budget_pence": None}, "budget_pence", "Enter the budget."),
            ({"budget_pence": -1}, "budget_pence", "Enter a budget of £0 or more."),
            ({"budget_pence": 10**14}, "budget_pence", "Enter a budget of £100,000,000,000 or less."),
            ({"objective": "votes"}, "objective", "Choose what to maximise"),
            ({"objective": None}, "objective", "Choose what to maximise"),
            ({"cost_basis": "annual"}, "cost_basis", "Choose the cost to count"),
            ({"capacity": "-1"}, "capacity", "Enter a capacity of 0 person-months or more."),
            ({"capacity": "1.25"}, "capacity", "one decimal place at most"),
            ({"capacity": "lots"}, "capacity", "Enter the capacity in person-months"),
            ({"capacity": "NaN"}, "capacity", "Enter the capacity in person-months"),
            ({"capacity": "Infinity"}, "capacity", "Enter the capacity in person-months"),
            ({"force_in": [5], "force_out": [5]}, "force_out", "Improvement 5 cannot be both forced in and"),
            ({"force_in": list(range(1001))}, "force_in", "Force in at most 1,000 improvements."),
        ],
    )
    def test_bad_inputs_name_their_field(
        self, overrides: dict[str, object], field: str, message: str
    ) -> None:
        with pytest.raises(ValidationFailed) as refused:
            inputs(**overrides)
        assert any(message in text for text in refused.value.fields[field])

    def test_an_item_both_forced_in_and_out_is_named_on_both_fields(self) -> None:
        with pytest.raises(ValidationFailed) as refused:
            inputs(force_in=[5, 6], force_out=[6, 5])
        assert refused.value.fields["force_in"] == refused.value.fields["force_out"]
        assert refused.value.fields["force_in"] == [
            "Improvements 5, 6 cannot be both forced in and forced out. Choose one."
        ]

    @pytest.mark.parametrize(
        ("value", "messages"),
        [
            (None, []),
            (Decimal("4.5"), []),
            (Decimal(0), []),
            (Decimal("-0.5"), ["Enter an estimate of 0 person-months or more."]),
            (Decimal("4.55"), ["Enter the estimate to one decimal place at most, for example 4.5."]),
            (Decimal("100000"), ["Enter an estimate of 99,999.9 person-months or less."]),
            (Decimal("NaN"), ["Enter an estimate of 0 person-months or more."]),
        ],
    )
    def test_delivery_estimates(self, value: Decimal | None, messages: list[str]) -> None:
        assert rules.check_delivery_estimate(value) == messages


class TestProblem:
    def test_no_candidates_is_said_plainly(self) -> None:
        with pytest.raises(ValidationFailed) as refused:
            rules.build_problem([], inputs())
        assert refused.value.message == rules.NO_CANDIDATES
        assert refused.value.fields == {}

    def test_unknown_ids_are_named(self) -> None:
        with pytest.raises(ValidationFailed) as refused:
            rules.build_problem([candidate(1)], inputs(force_in=[99, 98], force_out=[97]))
        assert refused.value.fields["force_in"][0].startswith("Improvements 98, 99: not a candidate.")
        assert refused.value.fields["force_out"][0].startswith("Improvement 97: not a candidate.")

    def test_a_statutory_improvement_cannot_be_forced_out(self) -> None:
        with pytest.raises(ValidationFailed) as refused:
            rules.build_problem([candidate(1, is_mandatory=True)], inputs(force_out=[1]))
        assert refused.value.fields == {
            "force_out": ["IMP-1: statutory, so always included. It cannot be forced out."]
        }

    def test_forcing_in_an_improvement_without_figures_is_refused(self) -> None:
        pool = [candidate(1, cost=None), candidate(2, weighted_score=None)]
        with pytest.raises(ValidationFailed) as refused:
            rules.build_problem(pool, inputs(force_in=[1, 2]))
        assert refused.value.fields["force_in"] == [
            "IMP-1 cannot be forced in: it has no business case, so it has no cost.",
            "IMP-2 cannot be forced in: it has not been scored yet, so it has no weighted score.",
        ]

    def test_statutory_improvements_over_the_budget_say_by_how_much(self) -> None:
        # £1,000 + £2,500 statutory = £3,500 against a budget of £3,000: £500 over.
        pool = [candidate(1, is_mandatory=True), candidate(2, 250_000, is_mandatory=True), candidate(3)]
        with pytest.raises(ValidationFailed) as refused:
            rules.build_problem(pool, inputs(budget_pence=300_000))
        assert refused.value.fields == {
            "budget_pence": [
                "The statutory improvements alone cost £3,500: £500 more than the budget of £3,000. "
                "Raise the budget by at least £500."
            ]
        }

    def test_forced_in_improvements_over_the_capacity_say_by_how_much(self) -> None:
        # 2 + 2.5 person-months = 4.5 against 4: 0.5 over.
        pool = [
            candidate(1, is_mandatory=True),
            candidate(2, delivery_person_months=Decimal("2.5")),
            candidate(3),
        ]
        with pytest.raises(ValidationFailed) as refused:
            rules.build_problem(pool, inputs(capacity="4", force_in=[2]))
        assert refused.value.fields == {
            "capacity": [
                "The statutory and forced-in improvements together need 4.5 person-months: 0.5 "
                "person-months more than the capacity of 4 person-months. Raise the capacity by at "
                "least 0.5 person-months, or force fewer in."
            ]
        }

    def test_candidates_are_sorted_with_their_reasons(self) -> None:
        pool = [
            candidate(1, is_mandatory=True),  # fixed
            candidate(2),  # forced in: fixed
            candidate(3),  # forced out
            candidate(4, cost=None),  # no business case
            candidate(5, weighted_score=None),  # not scored
            candidate(6, delivery_person_months=None),  # no estimate, and capacity is limited
            candidate(7, must_meet_passed=False),  # fails a must criterion
            candidate(8, weighted_score=Decimal(0)),  # adds nothing
            candidate(9, 900_000),  # £9,000 > £10,000 - £2,000 fixed
            candidate(10, delivery_person_months=Decimal(7)),  # 7 > 10 - 4 fixed
            candidate(11),  # free
        ]
        problem = rules.build_problem(pool, inputs(capacity="10", force_in=[2], force_out=[3]))
        assert problem.fixed == (1, 2)
        assert problem.free == (11,)
        assert (problem.budget_left, problem.capacity_left) == (800_000, 60)
        assert {i: e.reason for i, e in problem.ruled_out.items()} == {
            3: Reason.FORCED_OUT,
            4: Reason.MISSING_DATA,
            5: Reason.MISSING_DATA,
            6: Reason.MISSING_DATA,
            7: Reason.FAILS_MUST_CRITERIA,
            8: Reason.NO_VALUE,
            9: Reason.OVER_BUDGET,
            10: Reason.OVER_CAPACITY,
        }
        assert (
            problem.ruled_out[6].detail
            == "It has no delivery estimate, and this run limits delivery capacity."
        )
        assert problem.ruled_out[9].detail == (
            "It costs £9,000, more than the £8,000 the budget leaves after the statutory and forced-in "
            "improvements."
        )
        assert problem.ruled_out[10].detail == (
            "It needs 7 person-months, more than the 6 person-months of capacity left after the statutory "
            "and forced-in improvements."
        )

    def test_a_statutory_improvement_without_figures_is_left_out_with_a_warning(self) -> None:
        problem = rules.build_problem([candidate(1, cost=None, is_mandatory=True), candidate(2)], inputs())
        assert problem.fixed == ()
        assert problem.warnings == (
            "IMP-1 is statutory, but is left out of the plan: it has no business case, so it has no cost.",
        )

    def test_the_estimate_is_needed_only_when_capacity_is_limited(self) -> None:
        problem = rules.build_problem([candidate(1, delivery_person_months=None)], inputs())
        assert problem.free == (1,)

    def test_npv_values_are_pence_and_scores_tenths(self) -> None:
        pool = [candidate(1, weighted_score=Decimal("72.5"), npv_pence=-12_345)]
        assert rules.build_problem(pool, inputs()).items[1].value == 725
        assert rules.build_problem(pool, inputs(objective="npv")).items[1].value == -12_345


class TestExplanation:
    def test_the_left_out_and_the_waterline(self) -> None:
        # Budget £2,500. Free: IMP-1 £1,000 / 50 pts, IMP-2 £1,000 / 40 pts, IMP-3 £2,000 / 60 pts.
        # Chosen: IMP-1 + IMP-2 (90 pts, £2,000, £500 left). IMP-3 needs £1,500 more, or the drop of IMP-1
        # and IMP-2 (90 points; dropping either alone frees only £1,000 + £500 left = £1,500 < £2,000).
        pool = [
            candidate(1),
            candidate(2, weighted_score=Decimal(40)),
            candidate(3, 200_000, weighted_score=Decimal(60)),
        ]
        problem = rules.build_problem(pool, inputs(budget_pence=250_000))
        result = rules.explain(problem, [1, 2], displacement=Displacement(ids=(1, 2), value=900))
        assert result.selected == (1, 2)
        assert (result.total_cost, result.total_value) == (200_000, 900)
        assert result.exclusions[3].reason is Reason.OUTVALUED
        assert result.exclusions[3].detail.startswith(
            "It would need £1,500 more budget than the selected set"
        )
        answer = rules.result_json(result)
        assert answer["waterline"]["summary"] == (
            "IMP-3 (60 points) is the best-valued improvement left out. To add it without dropping anything "
            "would take £1,500 more budget. Within these limits it would have to displace IMP-1, IMP-2, "
            "together worth 90 points."
        )
        assert answer["capacity_used"] is None and answer["capacity_left"] is None
        assert [row["included_because"] for row in answer["selected"]] == ["chosen", "chosen"]

    def test_a_waterline_that_no_displacement_can_seat(self) -> None:
        # IMP-2 costs £5,000 against a budget of £2,000: even dropping IMP-1 leaves it £3,000 short.
        pool = [candidate(1), candidate(2, 500_000, weighted_score=Decimal(90))]
        problem = rules.build_problem(pool, inputs(budget_pence=200_000))
        result = rules.explain(problem, [1], displacement=Displacement(ids=None))
        assert result.exclusions[2].reason is Reason.OVER_BUDGET
        assert result.waterline is not None and result.waterline.extra_budget_pence == 400_000
        assert rules.waterline_summary(result).endswith(
            "Dropping chosen improvements could not make room for it."
        )

    def test_choosing_something_not_free_is_a_programming_error(self) -> None:
        problem = rules.build_problem([candidate(1, is_mandatory=True), candidate(2)], inputs())
        with pytest.raises(ValueError, match="not free"):
            rules.explain(problem, [1])

    def test_the_reason_labels_cover_every_reason(self) -> None:
        assert set(rules.REASON_LABELS) == set(Reason)


class TestComparison:
    A = {"selected": [{"id": 1, "ref": "IMP-1", "title": "One"}, {"id": 2, "ref": "IMP-2", "title": "Two"}]}
    B = {"selected": [{"id": 2, "ref": "IMP-2", "title": "Two"}, {"id": 3, "ref": "IMP-3", "title": "Three"}]}

    def test_rows_that_differ_come_first(self) -> None:
        rows = rules.compare([self.A, self.B])
        assert [(row.ref, row.selected_in, row.differs) for row in rows] == [
            ("IMP-1", (True, False), True),
            ("IMP-3", (False, True), True),
            ("IMP-2", (True, True), False),
        ]

    @pytest.mark.parametrize("ids", [[1], [1, 1], [1, 2, 3, 4, 5], []])
    def test_two_to_four_scenarios(self, ids: list[int]) -> None:
        with pytest.raises(ValidationFailed) as refused:
            rules.check_comparison(ids)
        assert refused.value.fields == {"ids": ["Choose between 2 and 4 scenarios to compare."]}

    def test_repeats_are_ignored(self) -> None:
        assert rules.check_comparison([3, 1, 3]) == [3, 1]
