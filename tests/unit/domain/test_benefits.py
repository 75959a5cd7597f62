"""Tests for the benefits realisation rules (docs/benefits-and-resources.md)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changeauth.domain.benefits import (
    DEFAULT_GRACE_DAYS,
    DEFAULT_TOLERANCE_PCT,
    FLAG_BENEFIT_ESCALATED,
    FLAG_STALE_BENEFIT,
    FREQUENCY_MONTHS,
    AdjustmentCategory,
    BenefitDirection,
    CashClass,
    ClosingStatus,
    Frequency,
    Rag,
    Staleness,
    VarianceResult,
    add_months,
    assess_variance,
    can_validate,
    counts_as_realised,
    escalate_after,
    is_tracked,
    next_due,
    planned_value,
    realised_adjusted,
    realised_gross,
    stale_after,
    staleness,
    staleness_flag,
    trajectory,
    validate_measurement,
    validate_profile,
)

D = Decimal


# --- Enumerations and constants ---------------------------------------------------------------------------


def test_enum_values_are_the_stored_strings() -> None:
    assert [f.value for f in Frequency] == ["monthly", "quarterly", "six_monthly", "annually"]
    assert [c.value for c in ClosingStatus] == ["realised", "partially_realised", "not_realised"]
    assert [c.value for c in CashClass] == ["cashable", "non_cashable", "not_monetised"]
    assert {a.value for a in AdjustmentCategory} == {
        "growth_position",
        "external_funding",
        "delivery_model_change",
        "taken_as_savings",
        "supplies_and_services",
        "other",
        "pay_award",
        "inflation",
        "income_generation",
    }
    assert FREQUENCY_MONTHS == {
        Frequency.MONTHLY: 1,
        Frequency.QUARTERLY: 3,
        Frequency.SIX_MONTHLY: 6,
        Frequency.ANNUALLY: 12,
    }
    assert DEFAULT_GRACE_DAYS == 14
    assert isinstance(DEFAULT_TOLERANCE_PCT, Decimal)
    assert DEFAULT_TOLERANCE_PCT == 10


# --- add_months -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2023, 1, 31), 1, date(2023, 2, 28)),  # non-leap year
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2100, 1, 31), 1, date(2100, 2, 28)),  # century, not a leap year
        (date(2000, 1, 31), 1, date(2000, 2, 29)),  # 400th year, a leap year
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2024, 3, 31), 1, date(2024, 4, 30)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),  # year rolls over
        (date(2024, 5, 15), 0, date(2024, 5, 15)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),  # backwards
        (date(2024, 1, 15), -1, date(2023, 12, 15)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_add_months_outside_supported_dates_raises_value_error() -> None:
    with pytest.raises(ValueError, match="outside the supported range"):
        add_months(date(9999, 12, 1), 1)
    with pytest.raises(ValueError, match="outside the supported range"):
        add_months(date(1, 1, 1), -1)


@settings(database=None)
@given(
    d=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    months=st.integers(min_value=-1200, max_value=1200),
)
def test_add_months_property(d: date, months: int) -> None:
    result = add_months(d, months)
    assert result.day <= d.day
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == months
    if d.day <= 28:
        assert result.day == d.day


# --- Schedule: due, stale, escalated ----------------------------------------------------------------------


def test_next_due_counts_from_baseline_when_nothing_measured() -> None:
    assert next_due(
        baseline_date=date(2024, 1, 31), latest_period_end=None, frequency=Frequency.MONTHLY
    ) == date(2024, 2, 29)


def test_next_due_counts_from_latest_period_end() -> None:
    assert next_due(
        baseline_date=date(2024, 1, 1), latest_period_end=date(2024, 6, 30), frequency=Frequency.QUARTERLY
    ) == date(2024, 9, 30)
    assert next_due(
        baseline_date=date(2023, 4, 1), latest_period_end=date(2023, 8, 31), frequency=Frequency.SIX_MONTHLY
    ) == date(2024, 2, 29)
    assert next_due(
        baseline_date=date(2023, 4, 1), latest_period_end=date(2024, 2, 29), frequency=Frequency.ANNUALLY
    ) == date(2025, 2, 28)


def test_a_period_ending_on_a_month_end_is_due_on_a_month_end() -> None:
    # 30 September + 3 months is 31 December, not the 30th; 30 April + 1 month is 31 May.
    assert next_due(
        baseline_date=date(2026, 1, 1), latest_period_end=date(2026, 9, 30), frequency=Frequency.QUARTERLY
    ) == date(2026, 12, 31)
    assert next_due(
        baseline_date=date(2026, 1, 1), latest_period_end=date(2026, 4, 30), frequency=Frequency.MONTHLY
    ) == date(2026, 5, 31)
    # A 29 February anniversary: 28 February in other years, and back to the 29th in a leap year.
    assert next_due(
        baseline_date=date(2023, 4, 1), latest_period_end=date(2027, 2, 28), frequency=Frequency.ANNUALLY
    ) == date(2028, 2, 29)
    # Mid-month periods move as before.
    assert next_due(
        baseline_date=date(2026, 1, 1), latest_period_end=date(2026, 1, 15), frequency=Frequency.MONTHLY
    ) == date(2026, 2, 15)


def test_next_due_accepts_stored_string_frequency() -> None:
    assert next_due(
        baseline_date=date(2024, 11, 30),
        latest_period_end=None,
        frequency="quarterly",
    ) == date(2025, 2, 28)


@settings(database=None)
@given(
    baseline=st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)),
    latest=st.none() | st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)),
    frequency=st.sampled_from(Frequency),
)
def test_next_due_is_always_after_the_anchor(
    baseline: date, latest: date | None, frequency: Frequency
) -> None:
    anchor = latest if latest is not None else baseline
    due = next_due(baseline_date=baseline, latest_period_end=latest, frequency=frequency)
    assert due > anchor
    # At least 28 days on, and never more than the frequency's months of 31 days.
    assert 28 <= (due - anchor).days <= 31 * FREQUENCY_MONTHS[frequency]


def test_stale_after_is_due_plus_grace() -> None:
    assert stale_after(date(2024, 3, 31)) == date(2024, 4, 14)
    assert stale_after(date(2024, 3, 31), 0) == date(2024, 3, 31)
    with pytest.raises(ValueError, match="cannot be negative"):
        stale_after(date(2024, 3, 31), -1)


def test_escalate_after_is_one_more_period_clamped() -> None:
    assert escalate_after(date(2024, 1, 31), Frequency.MONTHLY) == date(2024, 2, 29)
    assert escalate_after(date(2023, 11, 30), Frequency.QUARTERLY) == date(2024, 2, 29)
    assert escalate_after(date(2024, 2, 29), Frequency.ANNUALLY) == date(2025, 2, 28)


@pytest.mark.parametrize(
    ("days_after_due", "expected"),
    [(-1, Staleness.CURRENT), (0, Staleness.CURRENT), (14, Staleness.CURRENT), (15, Staleness.STALE)],
)
def test_grace_boundary(days_after_due: int, expected: Staleness) -> None:
    due = date(2024, 6, 30)
    as_of = due + timedelta(days=days_after_due)
    assert staleness(as_of=as_of, due=due, frequency=Frequency.QUARTERLY) is expected


def test_custom_grace_days() -> None:
    due = date(2024, 6, 30)
    assert staleness(as_of=date(2024, 7, 7), due=due, frequency=Frequency.ANNUALLY, grace_days=7) == "current"
    assert staleness(as_of=date(2024, 7, 8), due=due, frequency=Frequency.ANNUALLY, grace_days=7) == "stale"
    assert staleness(as_of=date(2024, 7, 1), due=due, frequency=Frequency.ANNUALLY, grace_days=0) == "stale"


@pytest.mark.parametrize(
    ("due", "frequency", "last_not_escalated"),
    [
        (date(2024, 1, 31), Frequency.MONTHLY, date(2024, 2, 29)),
        (date(2023, 1, 31), Frequency.MONTHLY, date(2023, 2, 28)),
        (date(2023, 11, 30), Frequency.QUARTERLY, date(2024, 2, 29)),
        (date(2023, 8, 31), Frequency.SIX_MONTHLY, date(2024, 2, 29)),
        (date(2024, 2, 29), Frequency.ANNUALLY, date(2025, 2, 28)),
    ],
)
def test_escalation_boundary(due: date, frequency: Frequency, last_not_escalated: date) -> None:
    assert staleness(as_of=last_not_escalated, due=due, frequency=frequency) is Staleness.STALE
    assert (
        staleness(as_of=last_not_escalated + timedelta(days=1), due=due, frequency=frequency)
        is Staleness.ESCALATED
    )


def test_escalation_wins_when_grace_is_longer_than_the_period() -> None:
    due = date(2024, 1, 1)
    # Monthly with 45 days' grace: escalation (after 1 Feb) comes before staleness (after 15 Feb).
    assert staleness(as_of=date(2024, 2, 1), due=due, frequency=Frequency.MONTHLY, grace_days=45) == "current"
    assert (
        staleness(as_of=date(2024, 2, 2), due=due, frequency=Frequency.MONTHLY, grace_days=45) == "escalated"
    )


@settings(database=None)
@given(
    due=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    frequency=st.sampled_from(Frequency),
    grace=st.integers(min_value=0, max_value=60),
    a=st.integers(min_value=-400, max_value=800),
    b=st.integers(min_value=-400, max_value=800),
)
def test_staleness_never_improves_as_time_passes(
    due: date, frequency: Frequency, grace: int, a: int, b: int
) -> None:
    order = [Staleness.CURRENT, Staleness.STALE, Staleness.ESCALATED]
    earlier, later = sorted((a, b))
    first = staleness(as_of=due + timedelta(days=earlier), due=due, frequency=frequency, grace_days=grace)
    second = staleness(as_of=due + timedelta(days=later), due=due, frequency=frequency, grace_days=grace)
    assert order.index(first) <= order.index(second)


def test_staleness_flags() -> None:
    assert staleness_flag(Staleness.CURRENT) is None
    assert staleness_flag(Staleness.STALE) == FLAG_STALE_BENEFIT == "stale_benefit"
    assert staleness_flag(Staleness.ESCALATED) == FLAG_BENEFIT_ESCALATED == "benefit_escalated"


# --- Planned value ----------------------------------------------------------------------------------------


def _planned(
    on: date,
    *,
    baseline_date: date = date(2024, 1, 1),
    baseline_value: Decimal = D(100),
    target_date: date = date(2024, 1, 11),
    target_value: Decimal = D(200),
) -> Decimal:
    return planned_value(
        on,
        baseline_date=baseline_date,
        baseline_value=baseline_value,
        target_date=target_date,
        target_value=target_value,
    )


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2023, 6, 1), D(100)),  # before the baseline date
        (date(2023, 12, 31), D(100)),
        (date(2024, 1, 1), D(100)),  # at the baseline date
        (date(2024, 1, 2), D(110)),
        (date(2024, 1, 6), D(150)),  # halfway
        (date(2024, 1, 10), D(190)),
        (date(2024, 1, 11), D(200)),  # at the target date
        (date(2024, 1, 12), D(200)),  # after the target date
        (date(2030, 1, 1), D(200)),
    ],
)
def test_planned_value_is_linear_and_held_at_the_ends(on: date, expected: Decimal) -> None:
    assert _planned(on) == expected


def test_planned_value_for_a_decrease() -> None:
    def planned(on: date) -> Decimal:
        return _planned(
            on,
            baseline_date=date(2024, 4, 1),
            baseline_value=D("1000.00"),
            target_date=date(2025, 4, 1),  # 365 days on
            target_value=D("270.00"),
        )

    assert planned(date(2024, 4, 1)) == D(1000)
    assert planned(date(2024, 4, 2)) == D(998)
    assert planned(date(2025, 4, 1)) == D(270)


def test_planned_value_with_target_not_after_baseline_does_not_divide_by_zero() -> None:
    def planned(on: date) -> Decimal:
        return _planned(
            on,
            baseline_date=date(2024, 1, 1),
            baseline_value=D(5),
            target_date=date(2024, 1, 1),
            target_value=D(9),
        )

    assert planned(date(2023, 12, 31)) == D(5)
    assert planned(date(2024, 1, 1)) == D(5)
    assert planned(date(2024, 1, 2)) == D(9)


@settings(database=None)
@given(
    offset=st.integers(min_value=-1000, max_value=1000),
    span=st.integers(min_value=1, max_value=2000),
    baseline=st.decimals(min_value=-(10**9), max_value=10**9, places=2),
    target=st.decimals(min_value=-(10**9), max_value=10**9, places=2),
)
def test_planned_value_stays_between_baseline_and_target(
    offset: int, span: int, baseline: Decimal, target: Decimal
) -> None:
    start = date(2024, 1, 1)
    value = planned_value(
        start + timedelta(days=offset),
        baseline_date=start,
        baseline_value=baseline,
        target_date=start + timedelta(days=span),
        target_value=target,
    )
    assert min(baseline, target) <= value <= max(baseline, target)


# --- Variance and RAG ---------------------------------------------------------------------------------------

# On the target date the plan is the target itself, and the tolerance is 10% of the change of 100 = 10.
TARGET_DATE = date(2025, 3, 31)


def _assess(
    actual: Decimal,
    direction: BenefitDirection | str,
    *,
    on: date = TARGET_DATE,
    baseline_value: Decimal | None = None,
    target_value: Decimal | None = None,
    tolerance_pct: Decimal = DEFAULT_TOLERANCE_PCT,
) -> VarianceResult:
    increasing = direction == BenefitDirection.INCREASE
    return assess_variance(
        on=on,
        actual=actual,
        baseline_date=date(2024, 3, 31),
        baseline_value=baseline_value if baseline_value is not None else D(100 if increasing else 200),
        target_date=TARGET_DATE,
        target_value=target_value if target_value is not None else D(200 if increasing else 100),
        direction=direction,
        tolerance_pct=tolerance_pct,
    )


@pytest.mark.parametrize(
    ("actual", "rag", "favourable"),
    [
        (D(250), Rag.GREEN, True),
        (D(200), Rag.GREEN, True),
        (D(190), Rag.GREEN, False),  # exactly one tolerance short
        (D("189.99"), Rag.AMBER, False),
        (D(180), Rag.AMBER, False),  # exactly two tolerances short
        (D("179.99"), Rag.RED, False),
        (D(50), Rag.RED, False),
    ],
)
def test_rag_boundaries_for_an_increase(actual: Decimal, rag: Rag, favourable: bool) -> None:
    result = _assess(actual, BenefitDirection.INCREASE)
    assert result.planned == D(200)
    assert result.variance == actual - D(200)
    assert result.favourable is favourable
    assert result.rag is rag


@pytest.mark.parametrize(
    ("actual", "rag", "favourable"),
    [
        (D(50), Rag.GREEN, True),
        (D(100), Rag.GREEN, True),
        (D(110), Rag.GREEN, False),  # exactly one tolerance over
        (D("110.01"), Rag.AMBER, False),
        (D(120), Rag.AMBER, False),  # exactly two tolerances over
        (D("120.01"), Rag.RED, False),
        (D(300), Rag.RED, False),
    ],
)
def test_rag_boundaries_for_a_decrease(actual: Decimal, rag: Rag, favourable: bool) -> None:
    result = _assess(actual, BenefitDirection.DECREASE)
    assert result.planned == D(100)
    assert result.variance == actual - D(100)
    assert result.favourable is favourable
    assert result.rag is rag


def test_variance_is_against_the_plan_on_the_date_not_the_target() -> None:
    # Half a year in, the plan is about 150; 145 is about 5 short, inside the tolerance of 10.
    result = _assess(D(145), BenefitDirection.INCREASE, on=date(2024, 9, 30))
    assert result.planned == D(100) + D(100) * D(183) / D(365)
    assert result.rag is Rag.GREEN


def test_custom_tolerance() -> None:
    increase = BenefitDirection.INCREASE
    assert _assess(D(195), increase, tolerance_pct=D(5)).rag is Rag.GREEN
    assert _assess(D(194), increase, tolerance_pct=D(5)).rag is Rag.AMBER
    assert _assess(D(189), increase, tolerance_pct=D(5)).rag is Rag.RED
    assert _assess(D("199.99"), increase, tolerance_pct=D(0)).rag is Rag.RED


def test_zero_change_profile_is_green_only_when_favourable_or_equal() -> None:
    def rag(actual: Decimal, direction: BenefitDirection) -> Rag:
        return _assess(actual, direction, baseline_value=D(100), target_value=D(100)).rag

    assert rag(D(100), BenefitDirection.INCREASE) is Rag.GREEN
    assert rag(D(101), BenefitDirection.INCREASE) is Rag.GREEN
    assert rag(D("99.99"), BenefitDirection.INCREASE) is Rag.RED
    assert rag(D(100), BenefitDirection.DECREASE) is Rag.GREEN
    assert rag(D(99), BenefitDirection.DECREASE) is Rag.GREEN
    assert rag(D("100.01"), BenefitDirection.DECREASE) is Rag.RED


def test_assess_variance_accepts_stored_string_direction() -> None:
    assert _assess(D("110.01"), "decrease").rag is Rag.AMBER
    assert _assess(D("189.99"), "increase").rag is Rag.AMBER


def test_unknown_enumeration_strings_raise_value_error() -> None:
    with pytest.raises(ValueError, match="sideways"):
        _assess(D(1), "sideways")
    with pytest.raises(ValueError, match="fortnightly"):
        next_due(baseline_date=date(2024, 1, 1), latest_period_end=None, frequency="fortnightly")


# --- Realisation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latest", "direction", "expected"),
    [
        (D(150), BenefitDirection.INCREASE, D(50)),
        (D(80), BenefitDirection.INCREASE, D(-20)),  # moved the wrong way
        (D(60), BenefitDirection.DECREASE, D(40)),
        (D(120), BenefitDirection.DECREASE, D(-20)),
        (None, BenefitDirection.INCREASE, None),  # nothing measured yet
    ],
)
def test_realised_gross_by_direction(
    latest: Decimal | None, direction: BenefitDirection, expected: Decimal | None
) -> None:
    assert realised_gross(latest_value=latest, baseline_value=D(100), direction=direction) == expected


def test_realised_adjusted_like_for_like_from_the_report() -> None:
    gross = D(2_483_925)
    external_funding = D(-95_761)
    taken_as_savings = D(-323_060)
    assert realised_adjusted(gross, [external_funding, taken_as_savings]) == D(2_065_104)


def test_realised_adjusted_edge_cases() -> None:
    assert realised_adjusted(D("12.50"), []) == D("12.50")
    assert realised_adjusted(D(100), iter([D(10), D(-5)])) == D(105)
    assert realised_adjusted(None, [D(10)]) is None


def test_report_figures_end_to_end() -> None:
    gross = realised_gross(
        latest_value=D(1_000_000), baseline_value=D(3_483_925), direction=BenefitDirection.DECREASE
    )
    assert gross == D(2_483_925)
    assert realised_adjusted(gross, (D(-95_761), D(-323_060))) == D(2_065_104)


@pytest.mark.parametrize(
    ("stage", "closing", "tracked"),
    [
        ("delivery", None, True),
        ("realisation", None, True),
        ("realisation", "", True),
        ("delivery", ClosingStatus.REALISED, False),
        ("realisation", "partially_realised", False),
        ("realisation", "not_realised", False),
        ("idea", None, False),
        ("closed", None, False),
    ],
)
def test_is_tracked(stage: str, closing: str | None, tracked: bool) -> None:
    assert is_tracked(improvement_stage=stage, closing_status=closing) is tracked


def test_can_validate_needs_finance_who_is_not_the_owner() -> None:
    assert can_validate(validator_id=2, validator_is_finance=True, benefit_owner_id=1) is True
    assert can_validate(validator_id=1, validator_is_finance=True, benefit_owner_id=1) is False
    assert can_validate(validator_id=2, validator_is_finance=False, benefit_owner_id=1) is False


def test_cashable_counts_only_once_validated() -> None:
    assert counts_as_realised(cash_class=CashClass.CASHABLE, finance_validated=False) is False
    assert counts_as_realised(cash_class=CashClass.CASHABLE, finance_validated=True) is True
    assert counts_as_realised(cash_class=CashClass.NON_CASHABLE, finance_validated=False) is True
    assert counts_as_realised(cash_class=CashClass.NOT_MONETISED, finance_validated=False) is True


# --- Trajectory -------------------------------------------------------------------------------------------


def test_trajectory_quarterly_includes_both_ends() -> None:
    points = trajectory(
        baseline_date=date(2024, 4, 1),
        baseline_value=D(0),
        target_date=date(2025, 4, 1),
        target_value=D(365),
        frequency=Frequency.QUARTERLY,
    )
    assert points == [
        (date(2024, 4, 1), D(0)),
        (date(2024, 7, 1), D(91)),
        (date(2024, 10, 1), D(183)),
        (date(2025, 1, 1), D(275)),
        (date(2025, 4, 1), D(365)),
    ]


def test_trajectory_target_between_due_dates_and_no_month_end_drift() -> None:
    points = trajectory(
        baseline_date=date(2024, 1, 31),
        baseline_value=D(10),
        target_date=date(2024, 5, 15),
        target_value=D(20),
        frequency=Frequency.MONTHLY,
    )
    assert [d for d, _ in points] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),  # not 29 March: counted from the baseline, not from February
        date(2024, 4, 30),
        date(2024, 5, 15),
    ]
    assert points[0][1] == D(10)
    assert points[-1][1] == D(20)


def test_trajectory_target_within_one_period() -> None:
    points = trajectory(
        baseline_date=date(2024, 1, 1),
        baseline_value=D(1),
        target_date=date(2024, 6, 1),
        target_value=D(2),
        frequency=Frequency.ANNUALLY,
    )
    assert points == [(date(2024, 1, 1), D(1)), (date(2024, 6, 1), D(2))]


def test_trajectory_refuses_target_not_after_baseline() -> None:
    with pytest.raises(ValueError, match="target date must be after the baseline date"):
        trajectory(
            baseline_date=date(2024, 1, 1),
            baseline_value=D(1),
            target_date=date(2024, 1, 1),
            target_value=D(2),
            frequency=Frequency.MONTHLY,
        )


# --- Validation -------------------------------------------------------------------------------------------


def _validate_profile(
    *,
    baseline_date: date | None = date(2024, 4, 1),
    target_date: date | None = date(2026, 3, 31),
    frequency: str | None = "quarterly",
    tolerance_pct: Decimal | None = D(10),
    direction: str | None = "decrease",
    cash_class: str | None = "cashable",
) -> dict[str, list[str]]:
    return validate_profile(
        baseline_date=baseline_date,
        target_date=target_date,
        frequency=frequency,
        tolerance_pct=tolerance_pct,
        direction=direction,
        cash_class=cash_class,
    )


def test_valid_profile_has_no_errors() -> None:
    assert _validate_profile() == {}
    assert _validate_profile(tolerance_pct=None) == {}  # the default tolerance applies
    assert _validate_profile(tolerance_pct=D(0)) == {}
    assert _validate_profile(tolerance_pct=D(100)) == {}
    assert _validate_profile(frequency=Frequency.SIX_MONTHLY, direction=BenefitDirection.INCREASE) == {}


@pytest.mark.parametrize("target", [date(2024, 4, 1), date(2024, 3, 31)])
def test_profile_target_must_be_after_baseline(target: date) -> None:
    assert _validate_profile(target_date=target) == {
        "target_date": ["The target date must be after the baseline date."]
    }


@pytest.mark.parametrize("tolerance", [D("-0.1"), D("100.1"), D("NaN"), D("Infinity")])
def test_profile_tolerance_must_be_0_to_100(tolerance: Decimal) -> None:
    assert _validate_profile(tolerance_pct=tolerance) == {
        "tolerance_pct": ["The tolerance must be between 0 and 100 per cent."]
    }


def test_profile_unknown_choices_are_refused() -> None:
    assert _validate_profile(frequency="fortnightly") == {
        "frequency": ["Choose monthly, quarterly, six-monthly or annually."]
    }
    assert _validate_profile(direction="sideways") == {
        "direction": ["Choose whether the measure should go up (increase) or down (decrease)."]
    }
    assert _validate_profile(cash_class="cash") == {
        "cash_class": ["Choose cashable, non-cashable or not monetised."]
    }


def test_profile_missing_values_are_reported_per_field() -> None:
    errors = _validate_profile(
        baseline_date=None,
        target_date=None,
        frequency=None,
        tolerance_pct=None,
        direction="",
        cash_class=None,
    )
    assert errors == {
        "baseline_date": ["Enter the baseline date."],
        "target_date": ["Enter the target date."],
        "frequency": ["Choose how often the benefit will be measured."],
        "direction": ["Choose whether the measure should go up or down."],
        "cash_class": ["Choose whether the benefit is cashable, non-cashable or not monetised."],
    }


def test_measurement_period_end_rules() -> None:
    today = date(2025, 6, 30)
    baseline = date(2024, 4, 1)
    assert validate_measurement(period_end=today, today=today, baseline_date=baseline) == {}
    assert validate_measurement(period_end=baseline, today=today, baseline_date=baseline) == {}
    assert validate_measurement(period_end=date(2025, 7, 1), today=today) == {
        "period_end": ["The period end date cannot be in the future."]
    }
    assert validate_measurement(period_end=date(2024, 3, 31), today=today, baseline_date=baseline) == {
        "period_end": ["The period end date cannot be before the baseline date."]
    }
    assert validate_measurement(period_end=None, today=today) == {
        "period_end": ["Enter the end date of the period measured."]
    }


def test_an_overdue_benefit_has_no_current_rag_and_a_current_one_is_judged_against_todays_plan() -> None:
    from changeauth.domain.benefits import NO_CURRENT_DATA, Staleness, current_rag

    profile = {
        "baseline_date": date(2026, 1, 1),
        "baseline_value": Decimal(0),
        "target_date": date(2027, 1, 1),
        "target_value": Decimal(100),
        "direction": "increase",
        "tolerance_pct": Decimal(10),
    }
    # 50 measured: green against the mid-year plan, but overdue now, so it says so.
    assert (
        current_rag(
            as_of=date(2026, 11, 29),
            tracked=True,
            staleness=Staleness.STALE,
            latest_value=Decimal(50),
            stored="green",
            **profile,
        )
        == NO_CURRENT_DATA
    )
    # Up to date, but today's plan (about 91) is far above 50: red, whatever it was when measured.
    assert (
        current_rag(
            as_of=date(2026, 11, 29),
            tracked=True,
            staleness=Staleness.CURRENT,
            latest_value=Decimal(50),
            stored="green",
            **profile,
        )
        == "red"
    )
    # A closed benefit keeps the rating it closed with; an unmeasured one has none.
    assert (
        current_rag(
            as_of=date(2026, 11, 29),
            tracked=False,
            staleness=Staleness.CURRENT,
            latest_value=Decimal(50),
            stored="green",
            **profile,
        )
        == "green"
    )
    assert (
        current_rag(
            as_of=date(2026, 11, 29),
            tracked=True,
            staleness=Staleness.CURRENT,
            latest_value=None,
            **profile,
        )
        is None
    )


@pytest.mark.parametrize(
    ("rag", "out"),
    [("red", True), ("amber", True), ("green", False), ("no_current_data", False), (None, False)],
)
def test_out_of_tolerance_is_a_rating_today_beyond_the_tolerance(rag: str | None, out: bool) -> None:
    from changeauth.domain.benefits import is_out_of_tolerance

    assert is_out_of_tolerance(rag) is out


@given(shortfall=st.integers(min_value=0, max_value=40))
def test_out_of_tolerance_exactly_when_the_shortfall_passes_the_tolerance(shortfall: int) -> None:
    # On the target date the plan is 200 and the tolerance 10 % of the change of 100 = 10.
    from changeauth.domain.benefits import Staleness, current_rag, is_out_of_tolerance

    rag = current_rag(
        as_of=date(2027, 1, 1),
        tracked=True,
        staleness=Staleness.CURRENT,
        latest_value=Decimal(200 - shortfall),
        baseline_date=date(2026, 1, 1),
        baseline_value=Decimal(100),
        target_date=date(2027, 1, 1),
        target_value=Decimal(200),
        direction="increase",
    )
    assert is_out_of_tolerance(rag) is (shortfall > 10)
