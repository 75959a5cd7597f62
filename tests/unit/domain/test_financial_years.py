"""Financial years (April to March) in domain.savings: the year of a date, splitting a saving between
years, profile sums, and each year's planned, realised and net figures."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from changeauth.domain import savings
from changeauth.domain.savings import AdjustmentLine, BenefitLine, ResourceLine, YearPlan

days = st.dates(min_value=date(1990, 4, 1), max_value=date(2099, 3, 31))
pence = st.integers(min_value=0, max_value=100_000_000_000)


@given(days)
def test_a_date_falls_in_the_financial_year_that_contains_it(day: date) -> None:
    year = savings.financial_year(day)
    assert savings.financial_year_start(year) <= day <= savings.financial_year_end(year)
    assert savings.financial_year(savings.financial_year_start(year)) == year
    assert savings.financial_year(savings.financial_year_start(year) - timedelta(days=1)) == year - 1


@pytest.mark.parametrize(
    ("day", "year", "label"),
    [
        (date(2019, 3, 31), 2018, "2018/19"),
        (date(2019, 4, 1), 2019, "2019/20"),
        (date(2020, 3, 31), 2019, "2019/20"),
        (date(1999, 12, 31), 1999, "1999/00"),
    ],
)
def test_the_year_boundaries(day: date, year: int, label: str) -> None:
    assert savings.financial_year(day) == year
    assert savings.financial_year_label(year) == label


@given(st.integers(min_value=-(10**12), max_value=10**12), st.sets(st.integers(1990, 2100), min_size=1))
def test_an_even_split_adds_up_to_the_total_to_the_penny(total: int, years: set[int]) -> None:
    split = savings.split_evenly(total, sorted(years))
    assert set(split) == years
    assert sum(split.values()) == total
    assert max(split.values()) - min(split.values()) <= 1
    # The odd pence go to the earliest years.
    ordered = [split[year] for year in sorted(years)]
    assert ordered == sorted(ordered, reverse=True)


def test_an_even_split_needs_a_year() -> None:
    with pytest.raises(ValueError, match="at least one"):
        savings.split_evenly(100, [])


@given(pence, days, st.integers(min_value=0, max_value=12))
def test_a_full_year_value_splits_into_a_part_year_then_full_years(
    full_year: int, starts_on: date, more_years: int
) -> None:
    first = savings.financial_year(starts_on)
    split = savings.split_full_year(full_year, starts_on, first + more_years)
    assert sorted(split) == list(range(first, first + more_years + 1))
    assert 0 <= split[first] <= full_year
    assert all(split[year] == full_year for year in split if year > first)
    # The same as paying for it from its start to the end of the last year, give or take a rounding.
    whole = savings.cost_between(full_year, starts_on, savings.financial_year_end(first + more_years))
    assert abs(sum(split.values()) - whole) <= 1


@given(pence)
def test_a_saving_starting_on_1_april_is_a_full_year_in_its_first_year(full_year: int) -> None:
    assert savings.split_full_year(full_year, date(2019, 4, 1), 2020) == {2019: full_year, 2020: full_year}


@given(pence, st.integers(min_value=0, max_value=364))
def test_a_later_start_never_saves_more_in_the_first_year(full_year: int, offset: int) -> None:
    start = date(2019, 4, 1)
    earlier = savings.split_full_year(full_year, start + timedelta(days=offset), 2019)
    later = savings.split_full_year(full_year, start + timedelta(days=min(offset + 1, 365)), 2019)
    assert later.get(2019, 0) <= earlier.get(2019, 0)


def test_a_split_ending_before_it_starts_is_empty() -> None:
    assert savings.split_full_year(100, date(2020, 5, 1), 2019) == {}


plans = st.lists(
    st.builds(YearPlan, st.integers(1990, 2100), pence, pence), unique_by=lambda p: p.year, max_size=12
)


@given(plans)
def test_a_profile_sums_its_years_and_each_years_figures_carry_the_plan(years: list[YearPlan]) -> None:
    line = BenefitLine("cashable", True, Decimal(0), "increase", True, (), years=tuple(years))
    assert savings.profile_total(years) == sum(p.planned_pence for p in years)
    by_year = savings.benefit_years(line, [p.year for p in years])
    assert sum(f.planned_pence for f in by_year) == savings.profile_total(years)
    # Nothing measured, so nothing realised: the net is less the one-off costs.
    assert all(f.net_pence == -f.one_off_cost_pence for f in by_year)


SAVING = 248_392_500  # report §3.2: £2,483,925 a year


def _programme_saving(*, validated: bool = True) -> BenefitLine:
    return BenefitLine(
        "cashable",
        True,
        Decimal(0),
        "increase",
        validated,
        ((date(2019, 11, 30), Decimal(SAVING)),),
        adjustments=(AdjustmentLine(9_576_100, "proposed", "recurring", 2019),),
        years=(
            YearPlan(2017, 0, 744_815_500),
            YearPlan(2019, SAVING, 0, SAVING),
            YearPlan(2020, SAVING),
        ),
    )


def test_each_year_plans_realises_and_nets_as_the_report_does() -> None:
    # Report §3.2: £2,483,925 realised each year; temporary staff £494,990 (2019/20), £240,230 (2020/21).
    resources = [
        ResourceLine(49_499_000, date(2019, 4, 1), date(2020, 3, 31)),
        ResourceLine(24_023_000, date(2020, 4, 1), date(2021, 3, 31)),
    ]
    years = {
        y.year: y
        for y in savings.year_figures([_programme_saving()], resources, first_year=2017, last_year=2020)
    }
    # 2018/19 has no figure at all, and is a year of the plan: listed with its zeros, never left out.
    assert sorted(years) == [2017, 2018, 2019, 2020]
    assert years[2018].net_pence == years[2018].planned_pence == years[2018].investment_pence == 0
    # The one-off investment is its own figure, never a negative net saving (issue 20, item 2: the net is
    # that year's saving less that year's temporary staff).
    assert years[2017].investment_pence == 744_815_500 and years[2017].net_pence == 0
    assert years[2019].realised_pence == years[2020].realised_pence == SAVING
    assert years[2019].planned_pence == SAVING and years[2019].taken_out_pence == SAVING
    assert years[2020].taken_out_pence == 0
    assert years[2019].net_pence == 198_893_500  # £1,988,935
    assert years[2020].net_pence == 224_369_500  # £2,243,695


def test_a_plan_never_counts_as_realised() -> None:
    years = savings.year_figures([_programme_saving(validated=False)], [], first_year=None, last_year=2020)
    assert [y.year for y in years] == [2017, 2018, 2019, 2020]
    assert all(y.realised_pence == 0 for y in years)
    assert {y.year: y.planned_pence for y in years} == {2017: 0, 2018: 0, 2019: SAVING, 2020: SAVING}


def test_nothing_is_realised_in_a_year_not_yet_begun() -> None:
    line = _programme_saving()
    later = savings.benefit_years(line, [2020, 2021], realised_to=2020)
    assert [f.realised_pence for f in later] == [SAVING, 0]


def test_a_year_with_no_plan_of_its_own_plans_what_the_profile_does_in_whole_pounds() -> None:
    from changeauth.domain.savings import PlanProfile

    # The saving's profile: £0 on 1 April 2017, a straight line to £2,483,925 by 31 March 2019 (§3.2).
    profile = PlanProfile(date(2017, 4, 1), date(2019, 3, 31), Decimal(SAVING))
    line = BenefitLine("cashable", True, Decimal(0), "increase", True, (), profile=profile)
    planned = {y: savings.planned_in_year(line, y) for y in (2016, 2017, 2018, 2019, 2025)}
    assert planned[2016] == 0 and planned[2018] == planned[2019] == planned[2025] == SAVING
    assert planned[2017] % 100 == 0 and 0 < planned[2017] < SAVING  # whole pounds, part of the way
    # A year the owner planned is the owner's plan.
    owned = BenefitLine(
        "cashable", True, Decimal(0), "increase", True, (), years=(YearPlan(2017, 0, 1),), profile=profile
    )
    assert savings.planned_in_year(owned, 2017) == 0
    assert savings.planned_in_year(owned, 2018) == SAVING
