"""Units of measure: listed units by code, other units by their label, and never money under another name."""

from __future__ import annotations

from decimal import Decimal

import pytest

from changeauth.domain.units import Unit, describe, phrase, stored_unit, unit_error, unit_kind


@pytest.mark.parametrize(
    "label", ["£", "£k", "gbp", "Gbp saved", "pounds", "Pounds saved", "pence", "$", "EUR", "k"]
)
def test_a_label_that_names_money_is_refused(label: str) -> None:
    error = unit_error(stored_unit("other", label))
    assert error is not None and "Money, in pounds" in error


@pytest.mark.parametrize("label", ["calls per month", "% online", "bookings", "systems per query", "kg"])
def test_other_labels_are_kept_as_typed(label: str) -> None:
    stored = stored_unit("other", f"  {label} ")
    assert stored == label and unit_error(stored) is None and unit_kind(stored) is Unit.OTHER


def test_listed_units_are_stored_by_code() -> None:
    assert [stored_unit(unit.value, "ignored") for unit in Unit if unit is not Unit.OTHER] == [
        "GBP",
        "count",
        "%",
        "hours",
        "days",
        "FTE",
    ]
    assert all(unit_error(unit.value) is None for unit in Unit if unit is not Unit.OTHER)


def test_no_unit_or_an_unnamed_other_is_refused() -> None:
    assert unit_error("") is not None
    assert unit_error(stored_unit("other", "  ")) is not None
    assert unit_error("other") is not None
    assert unit_error("x" * 41) is not None


def test_values_read_in_their_unit() -> None:
    assert describe(Decimal(35), "%", "35") == "35%"
    assert describe(Decimal(1250), "count", "1,250") == "1,250"
    assert describe(Decimal(1), "hours", "1") == "1 hour"
    assert describe(Decimal(3), "days", "3") == "3 days"
    assert describe(Decimal("3.5"), "FTE", "3.5") == "3.5 FTE"
    assert describe(Decimal(40), "calls per month", "40") == "40 calls per month"
    assert phrase("GBP") == "in pounds" and phrase("calls per week") == "in calls per week"


def test_a_change_in_a_percentage_is_in_percentage_points() -> None:
    from changeauth.domain.units import describe_change

    # 73 % online (report §3.3.1) to 80.5 % is 7.5 percentage points, not 7.5 %.
    assert describe_change(Decimal("7.5"), "% online", "7.5") == "7.5 percentage points"
    assert describe_change(Decimal(1), "%", "1") == "1 percentage point"
    assert describe_change(Decimal(-2), "% of developments", "-2") == "-2 percentage points"
    assert describe_change(Decimal(400), "calls per week", "400") == "400 calls per week"
    # A percentage counted from nothing has reached the percentage itself (report §3.3: "86%").
    assert describe_change(Decimal(86), "% of target efficiency", "86", from_nothing=True) == (
        "86% of target efficiency"
    )
    assert describe_change(Decimal(86), "%", "86", from_nothing=True) == "86%"
