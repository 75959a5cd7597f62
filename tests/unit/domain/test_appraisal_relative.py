"""Optimism bias on costs, benefits and duration; NPV relative to business as usual; switching
values and the sensitivity table. Expected figures are worked by hand in the comments (a 0 %
discount rate keeps the arithmetic visible)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from changeauth.domain.appraisal import (
    SENSITIVITY_CASES,
    Change,
    YearFigures,
    appraise,
    benefit_delay_years,
    compare_with_baseline,
    sensitivity,
)

ZERO = Decimal(0)

# Cost 1,000 now; a benefit of 1,500 in year 1.
SIMPLE = (YearFigures(0, capital_pence=1000), YearFigures(1, cashable_benefit_pence=1500))


def test_benefits_bias_reduces_benefits_and_leaves_costs() -> None:
    # 1,500 × (1 − 0.10) = 1,350; costs stay 1,000.
    result = appraise(SIMPLE, discount_rate=ZERO, benefits_bias_pct=Decimal(10))
    assert (result.pv_costs_pence, result.pv_benefits_pence, result.npv_pence) == (1000, 1350, 350)


def test_benefits_bias_moves_cash_payback() -> None:
    # Benefits 1,500 × 0.5 = 750 a year in years 1 and 2 against 1,000: −1,000, −250, +500 → 1 + 250/750.
    years = (*SIMPLE, YearFigures(2, cashable_benefit_pence=1500))
    assert appraise(years, discount_rate=ZERO, benefits_bias_pct=Decimal(50)).payback_years == Decimal(
        "1.3333"
    )


def test_duration_bias_delays_benefits_by_a_share_of_the_time_before_they_start() -> None:
    # Benefits start in year 2, so 50 % on duration delays them by 1 year.
    assert benefit_delay_years((YearFigures(2, cashable_benefit_pence=1),), Decimal(50)) == Decimal(1)
    # Benefits from year 0 still count one year of delivery: 20 % is a fifth of a year.
    assert benefit_delay_years((YearFigures(0, cashable_benefit_pence=1),), Decimal(20)) == Decimal("0.2")
    assert benefit_delay_years((YearFigures(0, capital_pence=1),), Decimal(20)) == ZERO


def test_duration_bias_loses_what_passes_the_last_year() -> None:
    # 100 in years 2 and 3, delayed by 1 year: year 3 gets 100, year 4 is outside the appraisal.
    years = (
        YearFigures(0, capital_pence=10),
        YearFigures(2, cashable_benefit_pence=100),
        YearFigures(3, cashable_benefit_pence=100),
    )
    result = appraise(years, discount_rate=ZERO, duration_bias_pct=Decimal(50))
    assert result.pv_benefits_pence == 100


def test_part_year_delay_splits_a_year_between_its_neighbours() -> None:
    # 1,000 in years 1 and 2, delay 0.2: year 1 keeps 800, year 2 gets 200 + 800, 200 is lost.
    years = (YearFigures(1, cashable_benefit_pence=1000), YearFigures(2, non_cashable_benefit_pence=1000))
    result = appraise(years, discount_rate=ZERO, duration_bias_pct=Decimal(20))
    assert result.pv_benefits_pence == 1800
    # Discounted at 10 %: 800/1.1 + 1000/1.21 = 727.27 + 826.45 = 1,553.72 → 1,554.
    assert (
        appraise(years, discount_rate=Decimal("0.1"), duration_bias_pct=Decimal(20)).pv_benefits_pence == 1554
    )


def test_relative_to_business_as_usual_is_the_npv_of_the_difference() -> None:
    # Business as usual costs 300 a year in years 0 and 1; the option 1,000 now and earns 1,500.
    baseline = appraise(
        (YearFigures(0, revenue_pence=300), YearFigures(1, revenue_pence=300)), discount_rate=ZERO
    )
    option = appraise(SIMPLE, discount_rate=ZERO)
    relative = compare_with_baseline(option, baseline)
    # Extra costs 1,000 − 600 = 400; extra benefits 1,500: NPV of the difference 1,100.
    assert (relative.extra_pv_costs_pence, relative.extra_pv_benefits_pence, relative.npv_pence) == (
        400,
        1500,
        1100,
    )
    # With no business-as-usual option the baseline is nothing happening.
    assert compare_with_baseline(option, None).npv_pence == option.npv_pence == 500


def test_switching_values_and_sensitivity_by_hand() -> None:
    result = sensitivity(SIMPLE, None, discount_rate=ZERO)
    assert result.npv_vs_baseline_pence == 500
    # Benefits may fall by 500 / 1,500 = 33.33 %, or costs rise by 500 / 1,000 = 50 %.
    assert result.benefits_switching_pct == Decimal("33.33")
    assert result.costs_switching_pct == Decimal("50.00")
    rows = {row.label: row.npv_vs_baseline_pence for row in result.rows}
    assert rows == {
        "Costs 10% higher": 400,
        "Costs 20% higher": 300,
        "Costs 10% lower": 600,
        "Costs 20% lower": 700,
        "Benefits 10% lower": 350,
        "Benefits 20% lower": 200,
        # The benefit moves to year 2, past the appraisal's last year.
        "Benefits a year late": -1000,
    }


def test_no_switching_value_when_the_option_does_not_beat_business_as_usual() -> None:
    result = sensitivity(SIMPLE, (YearFigures(1, cashable_benefit_pence=2000),), discount_rate=ZERO)
    # 500 against business as usual's 2,000.
    assert result.npv_vs_baseline_pence == -1500
    assert result.benefits_switching_pct is None and result.costs_switching_pct is None


def test_an_option_cheaper_than_business_as_usual_even_without_benefits() -> None:
    # Business as usual costs 2,000; the option 1,000 and earns 1,500: 2,500 ahead, more than its benefits.
    result = sensitivity(SIMPLE, (YearFigures(0, revenue_pence=2000),), discount_rate=ZERO)
    assert result.npv_vs_baseline_pence == 2500
    assert result.benefits_switching_pct is None and result.ahead_without_benefits
    assert result.costs_switching_pct == Decimal("250.00")


def test_sensitivity_uses_the_biases() -> None:
    # Cost bias 20 %: costs 1,200, NPV 300; benefits may fall 300/1,500 = 20 %, costs rise 300/1,200 = 25 %.
    result = sensitivity(SIMPLE, None, discount_rate=ZERO, optimism_bias_pct=Decimal(20))
    assert (result.benefits_switching_pct, result.costs_switching_pct) == (Decimal("20.00"), Decimal("25.00"))


def test_report_programme_is_unchanged_by_the_new_biases_at_zero() -> None:
    years = (YearFigures(0, capital_pence=744_815_500),) + tuple(
        YearFigures(t, cashable_benefit_pence=248_392_500) for t in range(1, 11)
    )
    plain = appraise(years)
    assert appraise(years, benefits_bias_pct=ZERO, duration_bias_pct=ZERO, change=Change()) == plain
    assert plain.bcr == Decimal("2.7735")  # shown 2.77
    assert sensitivity(years, None).npv_vs_baseline_pence == plain.npv_pence


# ---------------------------------------------------------------- properties

amounts = st.integers(min_value=0, max_value=10**11)
year_figures = st.builds(
    YearFigures,
    year=st.integers(min_value=0, max_value=15),
    capital_pence=amounts,
    revenue_pence=amounts,
    cashable_benefit_pence=amounts,
    non_cashable_benefit_pence=amounts,
)
option_years = st.lists(year_figures, max_size=8, unique_by=lambda f: f.year)
rates = st.decimals(min_value=0, max_value=Decimal("0.2"), places=4)
percents = st.decimals(min_value=0, max_value=100, places=2)


@given(option_years, option_years, rates, percents, percents, percents)
def test_relative_npv_is_antisymmetric_and_zero_against_itself(
    a, b, rate, cost_bias, benefit_bias, duration
) -> None:
    def run(years):
        return appraise(
            years,
            discount_rate=rate,
            optimism_bias_pct=cost_bias,
            benefits_bias_pct=benefit_bias,
            duration_bias_pct=duration,
        )

    first, second = run(a), run(b)
    assert compare_with_baseline(first, first).npv_pence == 0
    assert compare_with_baseline(first, second).npv_pence == -compare_with_baseline(second, first).npv_pence


@given(option_years, rates, percents, percents)
def test_more_bias_never_makes_an_option_look_better(years, rate, low, high) -> None:
    low, high = min(low, high), max(low, high)
    for name in ("optimism_bias_pct", "benefits_bias_pct", "duration_bias_pct"):
        less = appraise(years, discount_rate=rate, **{name: low})
        more = appraise(years, discount_rate=rate, **{name: high})
        assert more.npv_pence <= less.npv_pence


@given(option_years, rates, percents)
def test_a_delay_never_creates_benefit(years, rate, duration) -> None:
    undelayed = appraise(years, discount_rate=Decimal(0))
    delayed = appraise(years, discount_rate=Decimal(0), duration_bias_pct=duration)
    assert delayed.pv_benefits_pence <= undelayed.pv_benefits_pence + 1


@given(option_years, option_years, rates, percents, percents)
def test_switching_values_bring_npv_relative_to_business_as_usual_to_zero(
    years, baseline, rate, cost_bias, benefit_bias
) -> None:
    result = sensitivity(
        years, baseline, discount_rate=rate, optimism_bias_pct=cost_bias, benefits_bias_pct=benefit_bias
    )
    settings = {"discount_rate": rate, "optimism_bias_pct": cost_bias, "benefits_bias_pct": benefit_bias}
    base = appraise(baseline, **settings)
    central = appraise(years, **settings)
    if result.benefits_switching_pct is not None:
        at = appraise(years, change=Change(benefits_pct=-result.benefits_switching_pct), **settings)
        # The switching value is rounded to 0.01 %: NPV lands within that share of the benefits (and pennies).
        assert result.benefits_switching_pct <= 100  # 99.995 % reads 100.00
        assert abs(compare_with_baseline(at, base).npv_pence) <= central.pv_benefits_pence // 10_000 + 3
    elif result.npv_vs_baseline_pence > 0 and central.pv_benefits_pence > 0:
        assert result.ahead_without_benefits
    if result.costs_switching_pct is not None:
        at = appraise(years, change=Change(costs_pct=result.costs_switching_pct), **settings)
        # PV costs is rounded to the penny before the switching value is worked out from it; that
        # half-penny grows with the rise.
        slack = central.pv_costs_pence // 10_000 + int(result.costs_switching_pct / 100) + 2
        assert abs(compare_with_baseline(at, base).npv_pence) <= slack
    if result.npv_vs_baseline_pence <= 0:
        assert result.benefits_switching_pct is None and result.costs_switching_pct is None
    assert len(result.rows) == len(SENSITIVITY_CASES)
