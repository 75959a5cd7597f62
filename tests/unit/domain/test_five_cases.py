"""The five-case content: the price base, the three optimism biases and the financial case's lines are
checked before storing, the case appraises each option against business as usual, and the financial
case is summed by financial year against the preferred option's costs as entered."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from changeauth.domain.appraisal import OptionFigures, YearFigures
from changeauth.domain.business_cases import (
    CaseContent,
    FundingLine,
    compare_versions,
    financial_year_label,
    validate_content,
)

# Business as usual costs £1,000 a year in years 0 and 1; doing it costs £3,000 now and earns £2,500 a year.
BAU = OptionFigures(
    "Business as usual", True, (YearFigures(0, revenue_pence=100_000), YearFigures(1, revenue_pence=100_000))
)
DO_IT = OptionFigures(
    "Do it", False, (YearFigures(0, capital_pence=300_000), YearFigures(1, cashable_benefit_pence=250_000))
)
CASE = CaseContent(
    kind="full",
    options=(BAU, DO_IT),
    preferred_option="do  IT",
    discount_rate=Decimal(0),
    price_base_year=2025,
)


def test_each_option_is_compared_with_business_as_usual() -> None:
    relative = {item.figures.name: item.relative.npv_pence for item in CASE.against_baseline()}
    # Do it: −3,000 + 2,500 = −500; business as usual −2,000; so do it is £1,500 better.
    assert relative == {"Business as usual": 0, "Do it": 150_000}


def test_the_preferred_option_has_switching_values() -> None:
    result = CASE.sensitivity()
    assert result is not None and result.npv_vs_baseline_pence == 150_000
    # Costs may rise by 1,500 / 3,000 = 50 %, benefits fall by 1,500 / 2,500 = 60 %.
    assert result.costs_switching_pct == Decimal("50.00")
    assert result.benefits_switching_pct == Decimal("60.00") and not result.ahead_without_benefits
    assert replace(CASE, preferred_option=None).sensitivity() is None


def test_the_biases_reach_the_case_appraisal() -> None:
    biased = replace(CASE, benefits_bias_pct=Decimal(20), optimism_bias_pct=Decimal(10))
    do_it = {o.name: a for o, a in biased.appraisals()}["Do it"]
    assert (do_it.pv_costs_pence, do_it.pv_benefits_pence) == (330_000, 200_000)


def test_affordability_by_financial_year_against_the_appraised_costs() -> None:
    content = replace(
        CASE,
        funding=(
            FundingLine(2026, revenue_pence=50_000, source="Waste budget"),
            FundingLine(2025, capital_pence=200_000, source="Capital programme"),
            FundingLine(2025, revenue_pence=20_000, source="Transformation reserve"),
        ),
    )
    result = content.affordability()
    assert result.by_year == ((2025, 200_000, 20_000), (2026, 0, 50_000))
    assert (result.capital_pence, result.revenue_pence, result.total_pence) == (200_000, 70_000, 270_000)
    # Do it's costs as entered are £3,000: £300 short.
    assert (result.appraised_costs_pence, result.difference_pence) == (300_000, -30_000)
    assert replace(content, preferred_option=None).affordability().difference_pence is None


def test_financial_years_are_named_as_councils_name_them() -> None:
    assert (financial_year_label(2025), financial_year_label(2099), financial_year_label(2009)) == (
        "2025/26",
        "2099/00",
        "2009/10",
    )


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"benefits_bias_pct": Decimal("100.01")}, "benefits_bias_pct"),
        ({"benefits_bias_pct": Decimal("NaN")}, "benefits_bias_pct"),
        ({"duration_bias_pct": Decimal("201")}, "duration_bias_pct"),
        ({"duration_bias_pct": Decimal("1.001")}, "duration_bias_pct"),
        ({"price_base_year": 1999}, "price_base_year"),
        ({"optimism_bias_justification": "x" * 10_001}, "optimism_bias_justification"),
        ({"milestones": "x" * 10_001}, "milestones"),
        ({"funding": (FundingLine(1999, source="Reserve"),)}, "funding.0.financial_year"),
        ({"funding": (FundingLine(2025, capital_pence=-1, source="Reserve"),)}, "funding.0.capital_pence"),
        ({"funding": (FundingLine(2025, source=""),)}, "funding.0.source"),
        ({"funding": (FundingLine(2025, source="x" * 201),)}, "funding.0.source"),
        ({"funding": (FundingLine(2025, source="Reserve"),) * 41}, "funding"),
    ],
)
def test_bad_five_case_content_is_refused(change: dict[str, object], key: str) -> None:
    assert key in validate_content(replace(CASE, **change))  # type: ignore[arg-type]


def test_a_sound_five_case_content_passes() -> None:
    content = replace(
        CASE,
        benefits_bias_pct=Decimal("15.5"),
        duration_bias_pct=Decimal(54),
        funding=(FundingLine(2025, capital_pence=300_000, source="Capital programme"),),
        procurement_route="Framework call-off",
    )
    assert validate_content(content) == {}


def test_comparing_versions_names_the_new_fields() -> None:
    after = replace(
        CASE,
        duration_bias_pct=Decimal(10),
        procurement_route="Framework call-off",
        funding=(FundingLine(2025, capital_pence=300_000, source="Capital programme"),),
    )
    labels = {change.label: change.after for change in compare_versions(CASE, after).fields}
    assert labels["Optimism bias on duration"] == "10%"
    assert labels["Procurement route"] == "Framework call-off"
    assert labels["Financial case"] == "2025/26 Capital programme: capital £3,000, revenue £0"
