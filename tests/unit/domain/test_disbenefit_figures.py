"""Dis-benefits in money are part of the one net figure by financial year (domain.savings): a year's
net is its realised saving and confirmed adjustments less its one-off costs and the money dis-benefits
that fall in it; with none, every figure is as before."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from changeauth.domain import savings
from changeauth.domain.savings import BenefitLine, DisbenefitLine, ResourceLine

SAVING = BenefitLine(
    cash_class="cashable",
    is_money=True,
    baseline_value=Decimal(0),
    direction="increase",
    validated=True,
    measurements=[(date(2020, 3, 31), Decimal(100_000))],
)


def test_a_money_disbenefit_lowers_each_year_net_by_its_cost_in_that_year() -> None:
    lost_income = DisbenefitLine(annual_cost_pence=1_200_000, start=date(2019, 10, 1), stop=None)
    before = savings.year_figures([SAVING], [], first_year=2019, last_year=2020)
    after = savings.year_figures([SAVING], [], first_year=2019, last_year=2020, disbenefits=[lost_income])
    # Half of 2019/20 (October to March), then the whole of 2020/21 while it lasts.
    assert [y.disbenefit_pence for y in after] == [600_000, 1_200_000]
    assert [b.net_pence - a.net_pence for b, a in zip(before, after, strict=True)] == [600_000, 1_200_000]
    assert [y.realised_pence for y in after] == [y.realised_pence for y in before]


def test_a_disbenefit_that_stopped_counts_to_its_stop_only() -> None:
    ended = DisbenefitLine(annual_cost_pence=1_200_000, start=date(2020, 4, 1), stop=date(2020, 9, 30))
    assert savings.disbenefit_by_financial_year(ended, 2022) == {2020: 600_000}


def test_the_programme_net_is_the_sum_of_its_years_with_disbenefits() -> None:
    lost_income = DisbenefitLine(annual_cost_pence=240_000, start=date(2019, 4, 1), stop=date(2021, 3, 31))
    figures = savings.programme_figures(
        [SAVING],
        [ResourceLine(120_000, date(2019, 4, 1), date(2020, 3, 31))],
        first_year=2019,
        last_year=2020,
        disbenefits=[lost_income],
    )
    assert figures.net_pence == sum(y.net_pence for y in figures.years)
    assert sum(y.disbenefit_pence for y in figures.years) == 480_000


@given(st.lists(st.integers(0, 5_000_000), max_size=5))
def test_without_money_disbenefits_nothing_changes(costs: list[int]) -> None:
    resources = [ResourceLine(cost, date(2019, 4, 1), date(2020, 9, 30)) for cost in costs]
    plain = savings.year_figures([SAVING], resources, first_year=2019, last_year=2021)
    assert savings.year_figures([SAVING], resources, first_year=2019, last_year=2021, disbenefits=()) == plain
    assert all(y.disbenefit_pence == 0 for y in plain)
