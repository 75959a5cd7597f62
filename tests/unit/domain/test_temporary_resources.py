"""Tests for the temporary resource rules (docs/benefits-and-resources.md)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changeauth.domain.temporary_resources import (
    ENDING_SOON_DAYS,
    FLAG_TEMPORARY_RESOURCE_ENDING,
    FLAG_TEMPORARY_RESOURCE_OVERRUN,
    ResourceKind,
    ResourceStatus,
    benefit_at_risk,
    can_extend,
    days_overrun,
    effective_end,
    overrun_exposure_pence,
    status_flag,
    status_on,
    validate_actual_end,
    validate_extension,
    validate_resource,
)

START = date(2025, 1, 1)
END = date(2025, 6, 30)


def _status(
    as_of: date,
    *,
    start_date: date = START,
    end_date: date = END,
    extension_until: date | None = None,
    actual_end_date: date | None = None,
) -> ResourceStatus:
    return status_on(
        as_of,
        start_date=start_date,
        end_date=end_date,
        extension_until=extension_until,
        actual_end_date=actual_end_date,
    )


def test_enum_values_are_the_stored_strings() -> None:
    assert [k.value for k in ResourceKind] == [
        "fixed_term",
        "agency",
        "secondment",
        "contractor",
        "licence",
        "other",
    ]
    assert [s.value for s in ResourceStatus] == ["planned", "active", "ending_soon", "overrun", "ended"]
    assert ENDING_SOON_DAYS == 30


def test_effective_end_prefers_the_extension() -> None:
    assert effective_end(end_date=END, extension_until=None) == END
    assert effective_end(end_date=END, extension_until=date(2025, 9, 30)) == date(2025, 9, 30)


# --- Status -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2024, 12, 31), ResourceStatus.PLANNED),
        (date(2025, 1, 1), ResourceStatus.ACTIVE),  # start day
        (date(2025, 5, 30), ResourceStatus.ACTIVE),  # 31 days to go
        (date(2025, 5, 31), ResourceStatus.ENDING_SOON),  # 30 days to go
        (date(2025, 6, 29), ResourceStatus.ENDING_SOON),
        (date(2025, 6, 30), ResourceStatus.ENDING_SOON),  # ends today: not yet overrun
        (date(2025, 7, 1), ResourceStatus.OVERRUN),  # the day after
        (date(2026, 7, 1), ResourceStatus.OVERRUN),
    ],
)
def test_status_without_extension_or_actual_end(as_of: date, expected: ResourceStatus) -> None:
    assert _status(as_of) is expected


def test_extension_moves_an_overrun_back_to_active_then_ending_soon() -> None:
    extended = date(2025, 9, 30)
    assert _status(date(2025, 7, 1)) is ResourceStatus.OVERRUN
    assert _status(date(2025, 7, 1), extension_until=extended) is ResourceStatus.ACTIVE
    assert _status(date(2025, 8, 30), extension_until=extended) is ResourceStatus.ACTIVE  # 31 days to go
    assert _status(date(2025, 8, 31), extension_until=extended) is ResourceStatus.ENDING_SOON  # 30 days to go
    assert _status(date(2025, 9, 30), extension_until=extended) is ResourceStatus.ENDING_SOON
    assert _status(date(2025, 10, 1), extension_until=extended) is ResourceStatus.OVERRUN


def test_short_extension_goes_straight_to_ending_soon() -> None:
    assert _status(date(2025, 7, 1), extension_until=date(2025, 7, 14)) is ResourceStatus.ENDING_SOON


def test_actual_end_day_still_counts_then_ended() -> None:
    actual = date(2025, 6, 15)
    assert _status(actual, actual_end_date=actual) is ResourceStatus.ENDING_SOON
    assert _status(actual + timedelta(days=1), actual_end_date=actual) is ResourceStatus.ENDED
    assert _status(date(2030, 1, 1), actual_end_date=actual) is ResourceStatus.ENDED


def test_actual_end_early_in_the_contract() -> None:
    actual = date(2025, 2, 1)
    assert _status(actual, actual_end_date=actual) is ResourceStatus.ACTIVE
    assert _status(date(2025, 2, 2), actual_end_date=actual) is ResourceStatus.ENDED
    # Ended resources are never shown as overrun, even after their planned end.
    assert _status(date(2025, 7, 1), actual_end_date=actual) is ResourceStatus.ENDED


def test_days_after_the_end_before_a_late_actual_end_were_overrun() -> None:
    actual = date(2025, 7, 10)
    assert _status(date(2025, 7, 1), actual_end_date=actual) is ResourceStatus.OVERRUN
    assert _status(actual, actual_end_date=actual) is ResourceStatus.OVERRUN
    assert _status(date(2025, 7, 11), actual_end_date=actual) is ResourceStatus.ENDED


def test_planned_resource_that_starts_within_the_ending_soon_window() -> None:
    start = date(2025, 6, 20)
    assert _status(date(2025, 6, 1), start_date=start) is ResourceStatus.PLANNED
    assert _status(start, start_date=start) is ResourceStatus.ENDING_SOON


def test_status_flags() -> None:
    assert FLAG_TEMPORARY_RESOURCE_ENDING == "temporary_resource_ending"
    assert FLAG_TEMPORARY_RESOURCE_OVERRUN == "temporary_resource_overrun"
    assert status_flag(ResourceStatus.ENDING_SOON) == FLAG_TEMPORARY_RESOURCE_ENDING
    assert status_flag(ResourceStatus.OVERRUN) == FLAG_TEMPORARY_RESOURCE_OVERRUN
    for status in (ResourceStatus.PLANNED, ResourceStatus.ACTIVE, ResourceStatus.ENDED):
        assert status_flag(status) is None


_ORDER = [ResourceStatus.PLANNED, ResourceStatus.ACTIVE, ResourceStatus.ENDING_SOON, ResourceStatus.OVERRUN]


@settings(database=None)
@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    length=st.integers(min_value=-30, max_value=1000),
    extension=st.none() | st.integers(min_value=-30, max_value=400),
    a=st.integers(min_value=-100, max_value=1500),
    b=st.integers(min_value=-100, max_value=1500),
)
def test_status_never_goes_backwards_without_an_actual_end(
    start: date, length: int, extension: int | None, a: int, b: int
) -> None:
    end = start + timedelta(days=length)
    extension_until = None if extension is None else end + timedelta(days=extension)
    earlier, later = sorted((a, b))

    def status(days_after_start: int) -> ResourceStatus:
        return _status(
            start + timedelta(days=days_after_start),
            start_date=start,
            end_date=end,
            extension_until=extension_until,
        )

    first, second = status(earlier), status(later)
    assert first in _ORDER
    assert _ORDER.index(first) <= _ORDER.index(second)


# --- Overrun and exposure ---------------------------------------------------------------------------------

ANNUAL_36500_POUNDS = 3_650_000


def _exposure(
    as_of: date,
    *,
    annual_cost_pence: int = ANNUAL_36500_POUNDS,
    end_date: date = END,
    extension_until: date | None = None,
    actual_end_date: date | None = None,
) -> int:
    return overrun_exposure_pence(
        as_of,
        annual_cost_pence=annual_cost_pence,
        end_date=end_date,
        extension_until=extension_until,
        actual_end_date=actual_end_date,
    )


def test_exposure_for_73_days_on_36500_a_year() -> None:
    as_of = END + timedelta(days=73)
    assert days_overrun(as_of, end_date=END, extension_until=None, actual_end_date=None) == 73
    assert _exposure(as_of) == 730_000  # £7,300


def test_no_exposure_up_to_and_including_the_end_date() -> None:
    assert _exposure(START) == 0
    assert _exposure(END) == 0
    assert _exposure(END + timedelta(days=1)) == 10_000  # £100 a day


def test_exposure_counts_from_the_extended_end() -> None:
    extended = date(2025, 7, 31)
    assert _exposure(date(2025, 7, 31), extension_until=extended) == 0
    assert _exposure(date(2025, 8, 10), extension_until=extended) == 100_000


def test_late_actual_end_fixes_the_exposure_at_the_real_cost() -> None:
    actual = END + timedelta(days=10)
    assert _exposure(END + timedelta(days=5), actual_end_date=actual) == 50_000
    assert _exposure(actual, actual_end_date=actual) == 100_000
    assert _exposure(date(2030, 1, 1), actual_end_date=actual) == 100_000


def test_actual_end_on_or_before_the_end_means_no_exposure() -> None:
    assert _exposure(date(2030, 1, 1), actual_end_date=END) == 0
    assert _exposure(date(2030, 1, 1), actual_end_date=date(2025, 3, 1)) == 0


def test_exposure_rounds_to_the_nearest_penny() -> None:
    one_day_later = END + timedelta(days=1)
    assert _exposure(one_day_later, annual_cost_pence=182) == 0  # 0.4986p
    assert _exposure(one_day_later, annual_cost_pence=183) == 1  # 0.5014p
    assert _exposure(one_day_later, annual_cost_pence=0) == 0


def test_negative_annual_cost_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        _exposure(END + timedelta(days=1), annual_cost_pence=-1)


@settings(database=None)
@given(
    annual=st.integers(min_value=0, max_value=10**11),
    end_offset=st.integers(min_value=-400, max_value=400),
    extension=st.none() | st.integers(min_value=0, max_value=400),
    actual=st.none() | st.integers(min_value=-400, max_value=800),
    a=st.integers(min_value=-800, max_value=1500),
    b=st.integers(min_value=-800, max_value=1500),
)
def test_exposure_never_negative_and_never_falls(
    annual: int, end_offset: int, extension: int | None, actual: int | None, a: int, b: int
) -> None:
    base = date(2025, 1, 1)
    end = base + timedelta(days=end_offset)
    extension_until = None if extension is None else end + timedelta(days=extension)
    actual_end = None if actual is None else base + timedelta(days=actual)
    earlier, later = sorted((a, b))

    def exposure(as_of: date) -> int:
        return _exposure(
            as_of,
            annual_cost_pence=annual,
            end_date=end,
            extension_until=extension_until,
            actual_end_date=actual_end,
        )

    first = exposure(base + timedelta(days=earlier))
    second = exposure(base + timedelta(days=later))
    assert 0 <= first <= second

    days = days_overrun(
        base + timedelta(days=later),
        end_date=end,
        extension_until=extension_until,
        actual_end_date=actual_end,
    )
    # Within half a penny of the exact pro-rata cost.
    assert abs(second * 365 - annual * days) * 2 <= 365


# --- Benefit at risk --------------------------------------------------------------------------------------


def test_benefit_at_risk() -> None:
    result = benefit_at_risk(exposure_pence=730_000, net_benefit_pence=10_000_000)
    assert result.exposure_pence == 730_000
    assert result.net_benefit_pence == 10_000_000
    assert result.net_after_exposure_pence == 9_270_000
    assert result.percent_of_net == Decimal("7.3")


@pytest.mark.parametrize(
    ("exposure", "net", "percent"),
    [
        (0, 100, Decimal("0.0")),
        (1, 3, Decimal("33.3")),
        (2, 3, Decimal("66.7")),
        (1, 16, Decimal("6.3")),  # 6.25: halves round up
        (300, 100, Decimal("300.0")),
    ],
)
def test_benefit_at_risk_percentage_rounding(exposure: int, net: int, percent: Decimal) -> None:
    assert benefit_at_risk(exposure_pence=exposure, net_benefit_pence=net).percent_of_net == percent


@pytest.mark.parametrize("net", [0, -1, -5_000_000])
def test_no_percentage_without_a_positive_net_benefit(net: int) -> None:
    result = benefit_at_risk(exposure_pence=730_000, net_benefit_pence=net)
    assert result.percent_of_net is None
    assert result.net_after_exposure_pence == net - 730_000


# --- Who may extend ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor_id", "roles", "allowed"),
    [
        (2, ["design_authority"], True),
        (2, {"finance"}, True),
        (2, ("officer", "finance"), True),
        (1, ["design_authority", "finance"], False),  # the owner
        (2, ["officer"], False),
        (2, [], False),
    ],
)
def test_can_extend(actor_id: int, roles: list[str] | set[str] | tuple[str, ...], allowed: bool) -> None:
    assert can_extend(actor_id=actor_id, actor_roles=roles, owner_id=1) is allowed


# --- Validation -------------------------------------------------------------------------------------------


def test_valid_resource() -> None:
    assert validate_resource(start_date=START, end_date=END, annual_cost_pence=0, kind="agency") == {}
    assert (
        validate_resource(start_date=START, end_date=START, annual_cost_pence=1, kind=ResourceKind.LICENCE)
        == {}
    )


def test_resource_end_before_start() -> None:
    errors = validate_resource(
        start_date=START, end_date=START - timedelta(days=1), annual_cost_pence=100, kind="contractor"
    )
    assert errors == {"end_date": ["The end date must be on or after the start date."]}


def test_resource_negative_cost_and_unknown_kind() -> None:
    errors = validate_resource(start_date=START, end_date=END, annual_cost_pence=-1, kind="intern")
    assert errors == {
        "annual_cost_pence": ["The annual cost cannot be negative."],
        "kind": ["Choose fixed-term, agency, secondment, contractor, licence or other."],
    }


def test_resource_missing_values() -> None:
    errors = validate_resource(start_date=None, end_date=None, annual_cost_pence=None, kind="")
    assert errors == {
        "start_date": ["Enter the start date."],
        "end_date": ["Enter the end date."],
        "annual_cost_pence": ["Enter the annual cost."],
        "kind": ["Choose the type of resource."],
    }


def test_valid_extension() -> None:
    errors = validate_extension(
        extension_until=date(2025, 7, 1), reason="Go-live moved", end_date=END, current_extension_until=None
    )
    assert errors == {}


@pytest.mark.parametrize("extension_until", [END, date(2025, 5, 1)])
def test_extension_must_be_later_than_the_end_date(extension_until: date) -> None:
    errors = validate_extension(
        extension_until=extension_until, reason="Go-live moved", end_date=END, current_extension_until=None
    )
    assert errors == {
        "extension_until": ["The extension date must be later than the current end date (30 June 2025)."]
    }


def test_further_extension_must_be_later_than_the_current_extension() -> None:
    current = date(2025, 9, 30)
    refused = validate_extension(
        extension_until=date(2025, 8, 31),
        reason="More testing",
        end_date=END,
        current_extension_until=current,
    )
    assert refused == {
        "extension_until": ["The extension date must be later than the current end date (30 September 2025)."]
    }
    accepted = validate_extension(
        extension_until=date(2025, 10, 1),
        reason="More testing",
        end_date=END,
        current_extension_until=current,
    )
    assert accepted == {}


@pytest.mark.parametrize("reason", [None, "", "   \n"])
def test_extension_needs_a_reason_and_a_date(reason: str | None) -> None:
    errors = validate_extension(
        extension_until=None, reason=reason, end_date=END, current_extension_until=None
    )
    assert errors == {
        "extension_until": ["Enter the date the resource is extended until."],
        "reason": ["Enter the reason for the extension."],
    }


def test_actual_end_validation() -> None:
    today = date(2025, 5, 1)
    assert validate_actual_end(actual_end_date=START, start_date=START, today=today) == {}
    assert validate_actual_end(actual_end_date=today, start_date=START, today=today) == {}
    assert validate_actual_end(actual_end_date=date(2024, 12, 31), start_date=START, today=today) == {
        "actual_end_date": ["The actual end date cannot be before the start date."]
    }
    assert validate_actual_end(actual_end_date=date(2025, 5, 2), start_date=START, today=today) == {
        "actual_end_date": ["The actual end date cannot be in the future."]
    }
    assert validate_actual_end(actual_end_date=None, start_date=START, today=today) == {
        "actual_end_date": ["Enter the date the resource actually ended."]
    }
