"""Tests for the business-case appraisal maths and validation.

Expected figures are worked out by hand in the comments rather than by calling
the code under test again.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from changeauth.domain.appraisal import (
    DEFAULT_DISCOUNT_RATE,
    Appraisal,
    OptionFigures,
    YearFigures,
    appraise,
    expected_business_as_usual_warning,
    recurring_benefit_warning,
    validate_business_case,
)

POUND = 100

# --- The report's programme ---


REPORT_YEARS = (
    YearFigures(year=0, capital_pence=7_448_155 * POUND),
    YearFigures(year=1, cashable_benefit_pence=2_483_925 * POUND),
    YearFigures(year=2, cashable_benefit_pence=2_483_925 * POUND),
    YearFigures(year=3, cashable_benefit_pence=2_483_925 * POUND),
)


def test_report_programme_pays_back_in_approximately_three_years() -> None:
    result = appraise(REPORT_YEARS)
    # Positions: −7,448,155 at time 0, −4,964,230 at 1, −2,480,305 at 2, +3,620 at 3;
    # so 2 + 2,480,305 / 2,483,925 = 2.998542… → 2.9985.
    assert result.payback_years is not None
    assert Decimal("2.998") < result.payback_years < Decimal("2.999")
    assert result.payback_years == Decimal("2.9985")


def test_report_programme_present_values() -> None:
    result = appraise(REPORT_YEARS)
    # PV costs: year 0 is undiscounted, so £7,448,155.00 exactly.
    # PV benefits: 2,483,925 × (1/1.035 + 1/1.035² + 1/1.035³)
    #            = 2,483,925 × (0.966183575 + 0.933510700 + 0.901942706)
    #            = 2,483,925 × 2.801636981 = £6,959,056.137… → 695,905,614p.
    # NPV = 695,905,614 − 744,815,500 = −48,909,886p; BCR = 0.934333… → 0.9343.
    assert result == Appraisal(
        pv_costs_pence=744_815_500,
        pv_benefits_pence=695_905_614,
        npv_pence=-48_909_886,
        bcr=Decimal("0.9343"),
        payback_years=Decimal("2.9985"),
    )


TEN_YEARS = (
    YearFigures(year=0, capital_pence=7_448_155 * POUND),
    *(YearFigures(year=year, cashable_benefit_pence=2_483_925 * POUND) for year in range(1, 11)),
)


def test_the_programmes_case_over_the_green_book_period() -> None:
    result = appraise(TEN_YEARS)
    # PV benefits 2,483,925 × (1 − 1.035⁻¹⁰) / 0.035 = 2,483,925 × 8.316605 = £20,657,863;
    # NPV ≈ £13.2m; BCR 2.77; cash payback 2.9985; discounted: cumulative PV −489,098 after year 3, and
    # year 4 is worth 2,483,925 / 1.035⁴ = 2,164,597, so 3 + 489,098 / 2,164,597 ≈ 3.23 years.
    assert round(result.npv_pence / 100 / 100_000) == 132  # £13.2m
    assert result.bcr is not None and result.bcr.quantize(Decimal("0.01")) == Decimal("2.77")
    assert result.payback_years == Decimal("2.9985")
    assert result.discounted_payback_years is not None
    assert result.discounted_payback_years.quantize(Decimal("0.1")) == Decimal("3.2")


def test_a_recurring_saving_entered_for_three_years_is_warned_about() -> None:
    short = OptionFigures("Transform", False, REPORT_YEARS)
    warning = recurring_benefit_warning([short])
    assert warning is not None and "stops after year 3" in warning and "10-year" in warning
    assert recurring_benefit_warning([OptionFigures("Transform", False, TEN_YEARS)]) is None
    # A one-off benefit does not recur, so nothing is said.
    one_off = (YearFigures(year=0, capital_pence=100), YearFigures(year=1, cashable_benefit_pence=500))
    assert recurring_benefit_warning([OptionFigures("Buy", False, one_off)]) is None


def test_non_cashable_benefits_never_bring_cash_payback_forward() -> None:
    years = [YearFigures(year=0, capital_pence=1000), YearFigures(year=1, non_cashable_benefit_pence=5000)]
    result = appraise(years, discount_rate=Decimal(0))
    assert result.npv_pence == 4000 and result.payback_years is None


def test_default_discount_rate_is_green_book_rate() -> None:
    assert Decimal("0.035") == DEFAULT_DISCOUNT_RATE


# --- Small hand-computed cases ---


def test_ten_percent_discounting() -> None:
    years = [
        YearFigures(year=0, capital_pence=1000),
        YearFigures(year=1, cashable_benefit_pence=1100),
        YearFigures(year=2, non_cashable_benefit_pence=1210),
    ]
    result = appraise(years, discount_rate=Decimal("0.10"))
    # PV costs 1000; PV benefits 1100/1.1 + 1210/1.21 = 1000 + 1000 = 2000.
    # NPV 1000; BCR 2. Payback: −1000 at time 0, +100 at time 1 → 0 + 1000/1100 = 0.90909 → 0.9091.
    assert result == Appraisal(
        pv_costs_pence=1000,
        pv_benefits_pence=2000,
        npv_pence=1000,
        bcr=Decimal("2.0000"),
        payback_years=Decimal("0.9091"),
        # Discounted: −1000 at 0, then 1100/1.1 = +1000 at 1, so exactly 1 year.
        discounted_payback_years=Decimal("1.0000"),
    )


def test_optimism_bias_uplifts_costs_only() -> None:
    years = [
        YearFigures(year=0, capital_pence=1000),
        YearFigures(year=1, revenue_pence=500),
        YearFigures(year=2, cashable_benefit_pence=3000),
    ]
    result = appraise(years, discount_rate=Decimal(0), optimism_bias_pct=Decimal(40))
    # Costs (1000 + 500) × 1.4 = 2100; benefits 3000 unchanged; NPV 900; BCR 3000/2100 = 1.428571 → 1.4286.
    # Payback on biased costs: −1400 at 0, −2100 at 1, +900 at 2 → 1 + 2100/3000 = 1.7.
    assert result == Appraisal(
        pv_costs_pence=2100,
        pv_benefits_pence=3000,
        npv_pence=900,
        bcr=Decimal("1.4286"),
        payback_years=Decimal("1.7000"),
        discounted_payback_years=Decimal("1.7000"),  # no discounting at 0 %
    )


def test_optimism_bias_can_delay_payback_past_the_horizon() -> None:
    years = [YearFigures(year=0, capital_pence=1000), YearFigures(year=1, cashable_benefit_pence=1200)]
    # Unbiased: −1000 then +200 → pays back at 1000/1200 = 0.8333.
    assert appraise(years, discount_rate=Decimal(0)).payback_years == Decimal("0.8333")
    # 40% bias: −1400 then −200 → never.
    assert appraise(years, discount_rate=Decimal(0), optimism_bias_pct=Decimal(40)).payback_years is None


def test_rounding_is_half_up_to_whole_pence() -> None:
    # 3p × 1.5 = 4.5p, which rounds half up to 5p (banker's rounding would give 4p).
    result = appraise([YearFigures(year=0, capital_pence=3)], optimism_bias_pct=Decimal(50))
    assert result.pv_costs_pence == 5
    assert result.npv_pence == -5
    assert result.bcr == Decimal("0.0000")


def test_discounting_rounds_each_present_value() -> None:
    years = [
        YearFigures(year=1, cashable_benefit_pence=10),
        YearFigures(year=2, cashable_benefit_pence=5),
    ]
    # 10/1.25 + 5/1.5625 = 8 + 3.2 = 11.2 → 11p.
    assert appraise(years, discount_rate=Decimal("0.25")).pv_benefits_pence == 11


def test_missing_years_count_as_zero() -> None:
    years = [YearFigures(year=0, capital_pence=1000), YearFigures(year=3, cashable_benefit_pence=2000)]
    result = appraise(years, discount_rate=Decimal(0))
    # −1000 at times 0, 1 and 2, +1000 at 3 → 2 + 1000/2000 = 2.5.
    assert result.payback_years == Decimal("2.5000")
    assert result.npv_pence == 1000


def test_payback_exactly_at_the_end_of_a_year() -> None:
    years = [YearFigures(year=0, capital_pence=1000), YearFigures(year=1, cashable_benefit_pence=1000)]
    # −1000 at 0, exactly 0 at 1 → 0 + 1000/1000 = 1.
    assert appraise(years, discount_rate=Decimal(0)).payback_years == Decimal("1.0000")


def test_payback_in_year_zero_when_benefits_cover_costs() -> None:
    years = [YearFigures(year=0, capital_pence=500, cashable_benefit_pence=500)]
    assert appraise(years).payback_years == Decimal(0)


def test_order_of_years_does_not_matter() -> None:
    assert appraise(tuple(reversed(REPORT_YEARS))) == appraise(REPORT_YEARS)


def test_zero_costs_give_no_bcr_and_immediate_payback() -> None:
    result = appraise([YearFigures(year=0), YearFigures(year=2, non_cashable_benefit_pence=1000)])
    assert result.pv_costs_pence == 0
    assert result.bcr is None
    assert result.payback_years == Decimal(0)
    # 1000 / 1.035² = 933.51 → 934.
    assert result.pv_benefits_pence == 934
    assert result.npv_pence == 934


def test_no_years_at_all() -> None:
    assert appraise([]) == Appraisal(0, 0, 0, None, Decimal(0), Decimal(0))


def test_never_pays_back() -> None:
    years = [
        YearFigures(year=0, capital_pence=1000),
        YearFigures(year=1, cashable_benefit_pence=100),
        YearFigures(year=2, cashable_benefit_pence=100),
    ]
    result = appraise(years)
    assert result.payback_years is None
    assert result.npv_pence < 0


def test_first_crossing_counts_even_if_later_costs_go_negative() -> None:
    years = [
        YearFigures(year=0, capital_pence=100),
        YearFigures(year=1, cashable_benefit_pence=200),
        YearFigures(year=2, revenue_pence=500),
    ]
    # −100 at 0, +100 at 1 → 0 + 100/200 = 0.5, even though time 2 is −400.
    assert appraise(years, discount_rate=Decimal(0)).payback_years == Decimal("0.5000")


@pytest.mark.parametrize("year", [-1, -10])
def test_negative_year_is_rejected(year: int) -> None:
    with pytest.raises(ValueError, match="negative"):
        appraise([YearFigures(year=year)])


def test_duplicate_year_is_rejected() -> None:
    with pytest.raises(ValueError, match="more than once"):
        appraise([YearFigures(year=1), YearFigures(year=1)])


# --- Validation ---


def _option(
    name: str = "Do minimum", *, bau: bool = False, years: tuple[YearFigures, ...] | None = None
) -> OptionFigures:
    return OptionFigures(
        name=name, is_business_as_usual=bau, years=years if years is not None else (YearFigures(0),)
    )


def _validate(
    options: list[OptionFigures],
    *,
    preferred_option: str | None = "Do minimum",
    discount_rate: Decimal = DEFAULT_DISCOUNT_RATE,
    optimism_bias_pct: Decimal = Decimal(0),
) -> dict[str, list[str]]:
    return validate_business_case(
        options,
        preferred_option=preferred_option,
        discount_rate=discount_rate,
        optimism_bias_pct=optimism_bias_pct,
    )


def test_valid_business_case_has_no_errors() -> None:
    options = [
        _option("Business as usual", bau=True),
        _option("Do minimum", years=(YearFigures(0, capital_pence=5), YearFigures(4, revenue_pence=1))),
    ]
    assert _validate(options) == {}


def test_boundaries_are_inclusive() -> None:
    options = [_option(years=(YearFigures(0), YearFigures(60)))]
    assert _validate(options, discount_rate=Decimal(0), optimism_bias_pct=Decimal(0)) == {}
    assert _validate(options, discount_rate=Decimal("0.20"), optimism_bias_pct=Decimal(200)) == {}


def test_at_least_one_option() -> None:
    errors = _validate([], preferred_option=None)
    assert errors["options"] == ["Add at least one option, such as business as usual."]


@pytest.mark.parametrize("name", ["", "   "])
def test_option_name_required(name: str) -> None:
    errors = _validate([_option(), _option(name)])
    assert errors == {"options.1.name": ["Enter a name for this option."]}


@pytest.mark.parametrize("second", ["Do minimum", "do  MINIMUM "])
def test_option_names_unique(second: str) -> None:
    errors = _validate([_option("Do minimum"), _option(second)])
    assert errors == {
        "options.1.name": ["Option 2 has the same name as option 1. Give each option a different name."]
    }


def test_each_option_needs_a_year() -> None:
    errors = _validate([_option(), _option("Option B", years=())])
    assert errors == {"options.1.years": ["Add figures for at least one year to this option."]}


@pytest.mark.parametrize("year", [-1, 61, 100])
def test_years_within_range(year: int) -> None:
    errors = _validate([_option(years=(YearFigures(0), YearFigures(year)))])
    assert errors == {"options.0.years.1.year": ["The year must be between 0 and 60."]}


def test_years_unique_within_option() -> None:
    errors = _validate([_option(years=(YearFigures(0), YearFigures(3), YearFigures(3)))])
    assert errors == {"options.0.years.2.year": ["Year 3 is entered more than once for this option."]}


def test_same_year_in_different_options_is_fine() -> None:
    assert _validate([_option(years=(YearFigures(2),)), _option("Option B", years=(YearFigures(2),))]) == {}


def test_gaps_in_years_are_allowed() -> None:
    assert _validate([_option(years=(YearFigures(0), YearFigures(5), YearFigures(30)))]) == {}


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("capital_pence", "Capital cost must be £0 or more."),
        ("revenue_pence", "Revenue cost must be £0 or more."),
        ("cashable_benefit_pence", "Cashable benefit must be £0 or more."),
        ("non_cashable_benefit_pence", "Non-cashable benefit must be £0 or more."),
    ],
)
def test_no_negative_figures(field: str, message: str) -> None:
    bad_year = YearFigures(2, **{field: -1})
    errors = _validate([_option(), _option("Option B", years=(YearFigures(0), YearFigures(1), bad_year))])
    assert errors == {f"options.1.years.2.{field}": [message]}


@pytest.mark.parametrize("preferred", [None, "", "  "])
def test_preferred_option_required(preferred: str | None) -> None:
    errors = _validate([_option()], preferred_option=preferred)
    assert errors == {"preferred_option": ["Choose the preferred option."]}


def test_preferred_option_must_be_an_option() -> None:
    errors = _validate([_option()], preferred_option="Something else")
    assert errors == {
        "preferred_option": ["The preferred option must be one of the options in this business case."]
    }


@pytest.mark.parametrize("rate", [Decimal("-0.001"), Decimal("0.2001"), Decimal("3.5"), Decimal("NaN")])
def test_discount_rate_range(rate: Decimal) -> None:
    errors = _validate([_option()], discount_rate=rate)
    assert errors == {
        "discount_rate": ["The discount rate must be between 0% and 20%. The Green Book rate is 3.5%."]
    }


@pytest.mark.parametrize("bias", [Decimal("-1"), Decimal("200.01"), Decimal("Infinity"), Decimal("sNaN")])
def test_optimism_bias_range(bias: Decimal) -> None:
    errors = _validate([_option()], optimism_bias_pct=bias)
    assert errors == {"optimism_bias_pct": ["Optimism bias must be between 0% and 200%."]}


def test_errors_are_collected_together() -> None:
    errors = _validate(
        [_option(""), _option("B", years=())],
        preferred_option=None,
        discount_rate=Decimal(1),
        optimism_bias_pct=Decimal(-5),
    )
    assert set(errors) == {
        "options.0.name",
        "options.1.years",
        "preferred_option",
        "discount_rate",
        "optimism_bias_pct",
    }


def test_business_as_usual_warning() -> None:
    warning = expected_business_as_usual_warning([_option("A"), _option("B")])
    assert warning is not None
    assert "business as usual" in warning
    assert expected_business_as_usual_warning([_option("A"), _option("BAU", bau=True)]) is None


def test_missing_business_as_usual_is_only_a_warning() -> None:
    assert _validate([_option()]) == {}
    assert expected_business_as_usual_warning([_option()]) is not None


# --- Properties ---

amounts = st.integers(min_value=0, max_value=100_000_000_000)
rates = st.decimals(min_value=0, max_value=Decimal("0.20"), places=4)
biases = st.decimals(min_value=0, max_value=200, places=2)


@st.composite
def year_streams(draw: st.DrawFn, *, costs: bool = True) -> list[YearFigures]:
    year_numbers = draw(st.lists(st.integers(min_value=0, max_value=60), unique=True, max_size=8))
    return [
        YearFigures(
            year=year,
            capital_pence=draw(amounts) if costs else 0,
            revenue_pence=draw(amounts) if costs else 0,
            cashable_benefit_pence=draw(amounts),
            non_cashable_benefit_pence=draw(amounts),
        )
        for year in year_numbers
    ]


@given(year_streams(), rates, biases, st.data())
def test_more_benefit_never_lowers_npv(
    years: list[YearFigures], rate: Decimal, bias: Decimal, data: st.DataObject
) -> None:
    extra = data.draw(amounts)
    year = data.draw(st.integers(min_value=0, max_value=60))
    field = data.draw(st.sampled_from(["cashable_benefit_pence", "non_cashable_benefit_pence"]))
    by_year = {figures.year: figures for figures in years}
    current = by_year.get(year, YearFigures(year))
    by_year[year] = replace(current, **{field: getattr(current, field) + extra})

    before = appraise(years, discount_rate=rate, optimism_bias_pct=bias)
    after = appraise(list(by_year.values()), discount_rate=rate, optimism_bias_pct=bias)
    assert after.npv_pence >= before.npv_pence


@given(year_streams(), rates, biases, biases)
def test_higher_optimism_bias_never_lowers_pv_costs(
    years: list[YearFigures], rate: Decimal, bias_a: Decimal, bias_b: Decimal
) -> None:
    low, high = sorted((bias_a, bias_b))
    assert (
        appraise(years, discount_rate=rate, optimism_bias_pct=high).pv_costs_pence
        >= appraise(years, discount_rate=rate, optimism_bias_pct=low).pv_costs_pence
    )


@given(year_streams(costs=False), rates, rates)
def test_higher_discount_rate_never_raises_pv_of_benefits(
    years: list[YearFigures], rate_a: Decimal, rate_b: Decimal
) -> None:
    low, high = sorted((rate_a, rate_b))
    assert (
        appraise(years, discount_rate=high).pv_benefits_pence
        <= appraise(years, discount_rate=low).pv_benefits_pence
    )


@given(year_streams(costs=False), rates, biases)
def test_zero_costs_never_crash_and_have_no_bcr(
    years: list[YearFigures], rate: Decimal, bias: Decimal
) -> None:
    result = appraise(years, discount_rate=rate, optimism_bias_pct=bias)
    assert result.pv_costs_pence == 0
    assert result.bcr is None
    assert result.payback_years == Decimal(0)


@given(year_streams(), rates, biases)
def test_npv_is_benefits_minus_costs(years: list[YearFigures], rate: Decimal, bias: Decimal) -> None:
    result = appraise(years, discount_rate=rate, optimism_bias_pct=bias)
    assert result.npv_pence == result.pv_benefits_pence - result.pv_costs_pence


@given(year_streams(), rates, biases)
def test_payback_lies_within_the_appraisal_period(
    years: list[YearFigures], rate: Decimal, bias: Decimal
) -> None:
    payback = appraise(years, discount_rate=rate, optimism_bias_pct=bias).payback_years
    last_year = max((figures.year for figures in years), default=0)
    assert payback is None or 0 <= payback <= last_year
