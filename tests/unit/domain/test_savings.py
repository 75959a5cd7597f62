"""The one definition of realised, like-for-like and net (domain.savings), on the report's §3.2 figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from changeauth.domain import savings
from changeauth.domain.savings import AdjustmentLine, BenefitLine, ResourceLine

SAVING = 248_392_500  # §3.2: £2,483,925 a year, confirmed by the SWAP audit in November 2019


def _saving(*, validated: bool = True, adjustments: tuple[AdjustmentLine, ...] = ()) -> BenefitLine:
    return BenefitLine(
        cash_class="cashable",
        is_money=True,
        baseline_value=Decimal(0),
        direction="increase",
        validated=validated,
        measurements=((date(2019, 11, 30), Decimal(SAVING)),),
        adjustments=adjustments,
    )


def _year(start: int, cost: int) -> ResourceLine:
    return ResourceLine(cost, date(start, 4, 1), date(start + 1, 3, 31))


REPORT_RESOURCES = [_year(2019, 49_499_000), _year(2020, 24_023_000)]
PROPOSED = (
    AdjustmentLine(9_576_100, "proposed", "recurring", 2019),
    AdjustmentLine(32_306_000, "proposed", "one_off", 2019),
)


def test_net_is_each_years_saving_less_that_years_temporary_staff() -> None:
    figures = savings.programme_figures(
        [_saving(adjustments=PROPOSED)], REPORT_RESOURCES, first_year=2017, last_year=2020
    )
    by_year = {y.label: (y.realised_pence, y.temporary_cost_pence, y.net_pence) for y in figures.years}
    # 2019/20: £2,483,925 − £494,990 = £1,988,935; 2020/21: £2,483,925 − £240,230 = £2,243,695. The
    # years from the programme's start with nothing in them are listed with their zeros.
    assert by_year == {
        "2017/18": (0, 0, 0),
        "2018/19": (0, 0, 0),
        "2019/20": (SAVING, 49_499_000, 198_893_500),
        "2020/21": (SAVING, 24_023_000, 224_369_500),
    }
    assert figures.temporary_cost_pence == 73_522_000
    # The proposed adjustments are shown apart and count nothing.
    assert figures.realised_pence == figures.like_for_like_pence == SAVING
    assert figures.proposed_adjustments_pence == 41_882_100 and figures.confirmed_adjustments_pence == 0


def test_an_unvalidated_saving_is_an_estimate_and_never_realised() -> None:
    figures = savings.programme_figures([_saving(validated=False)], [], first_year=None, last_year=2020)
    assert (figures.gross_pence, figures.unvalidated_pence, figures.realised_pence) == (SAVING, SAVING, 0)
    assert figures.years == ()


def test_confirmed_adjustments_count_recurring_from_their_year_and_one_off_in_it() -> None:
    confirmed = (
        AdjustmentLine(9_576_100, "confirmed", "recurring", 2019),
        AdjustmentLine(32_306_000, "confirmed", "one_off", 2019),
    )
    figures = savings.programme_figures(
        [_saving(adjustments=confirmed)], REPORT_RESOURCES, first_year=2019, last_year=2020
    )
    assert figures.like_for_like_pence == SAVING + 9_576_100
    assert [y.adjustments_pence for y in figures.years] == [9_576_100 + 32_306_000, 9_576_100]
    assert figures.years[1].net_pence == SAVING + 9_576_100 - 24_023_000


def test_gross_less_unvalidated_is_realised() -> None:
    figures = savings.programme_figures(
        [_saving(), _saving(validated=False)], [], first_year=None, last_year=2020
    )
    assert figures.gross_pence - figures.unvalidated_pence == figures.realised_pence == SAVING


def test_a_resource_across_two_financial_years_is_split_between_them() -> None:
    costs = savings.cost_by_financial_year(ResourceLine(36_500, date(2020, 1, 1), date(2020, 12, 31)))
    # Jan–Mar 2020 (3 months) in 2019/20, Apr–Dec (9 months) in 2020/21.
    assert costs == {2019: 9_125, 2020: 27_375}


def test_financial_years() -> None:
    assert savings.financial_year(date(2020, 3, 31)) == 2019
    assert savings.financial_year(date(2020, 4, 1)) == 2020
    assert savings.financial_year_label(2019) == "2019/20"
    assert savings.financial_year_label(2099) == "2099/00"


def test_a_financial_year_costs_exactly_one_year() -> None:
    assert savings.cost_between(21_500_000, date(2025, 4, 1), date(2026, 3, 31)) == 21_500_000
    assert savings.cost_between(36_500, date(2025, 1, 31), date(2025, 2, 27)) == 2_800


@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    months=st.integers(min_value=0, max_value=240),
)
def test_adding_calendar_months_matches_pandas_date_offset(day: date, months: int) -> None:
    expected = (pd.Timestamp(day) + pd.DateOffset(months=months)).date()
    assert savings._add_months(day, months) == expected


def test_a_year_with_nothing_in_it_between_two_with_figures_is_listed_not_left_out() -> None:
    plans = (savings.YearPlan(2017, one_off_cost_pence=100), savings.YearPlan(2019, planned_pence=500))
    line = BenefitLine(
        cash_class="cashable",
        is_money=True,
        baseline_value=Decimal(0),
        direction="increase",
        validated=True,
        measurements=(),
        years=plans,
    )
    years = savings.year_figures([line], [], first_year=None, last_year=2022)
    assert [(y.label, y.net_pence, y.investment_pence) for y in years] == [
        ("2017/18", 0, 100),
        ("2018/19", 0, 0),
        ("2019/20", 0, 0),
    ]
    assert savings.reported_years([0, 1, 0, 2, 0, 0], bool) == (0, 1, 0, 2)
    assert savings.reported_years([0, 0], bool) == ()
