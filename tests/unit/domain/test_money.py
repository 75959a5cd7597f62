"""Tests for money parsing and formatting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from changeauth.domain.money import MAX_PENCE, MoneyError, format_money, parse_money


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("1234", 123_400),
        ("1,234.50", 123_450),
        ("£1,234.50", 123_450),
        (" £ 1234 ", 123_400),
        ("1234.5", 123_450),
        ("1234.05", 123_405),
        ("0", 0),
        ("0.01", 1),
        (".5", 50),
        ("£2,483,925", 248_392_500),
        ("1,000,000,000", MAX_PENCE),
        ("£1,000,000,000.00", MAX_PENCE),
        ("\u00a31234\u00a0", 123_400),  # non-breaking space pasted from a spreadsheet
    ],
)
def test_parse_money_accepts(text: str, pence: int) -> None:
    assert parse_money(text) == pence


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("-1234", -123_400),
        ("-£1,234.50", -123_450),
        ("- £ 1234", -123_400),
        ("\u2212£1,234", -123_400),
        ("-1,000,000,000", -MAX_PENCE),
    ],
)
def test_parse_money_accepts_negative_when_allowed(text: str, pence: int) -> None:
    assert parse_money(text, allow_negative=True) == pence


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter an amount in pounds, for example £1,234.50."),
        ("   ", "Enter an amount in pounds, for example £1,234.50."),
        ("NaN", "Enter the amount using numbers only, for example £1,234.50."),
        ("nan", "Enter the amount using numbers only, for example £1,234.50."),
        ("sNaN", "Enter the amount using numbers only, for example £1,234.50."),
        ("Infinity", "Enter the amount using numbers only, for example £1,234.50."),
        ("-Infinity", "Enter the amount using numbers only, for example £1,234.50."),
        ("1E+999", "Enter the amount using numbers only, for example £1,234.50."),
        ("1e5", "Enter the amount using numbers only, for example £1,234.50."),
        ("12abc", "Enter the amount using numbers only, for example £1,234.50."),
        ("£", "Enter the amount using numbers only, for example £1,234.50."),
        ("1234.", "Enter the amount using numbers only, for example £1,234.50."),
        ("1 234", "Enter the amount using numbers only, for example £1,234.50."),
        ("\u0661\u0662\u0663", "Enter the amount using numbers only, for example £1,234.50."),
        ("1.234", "Enter the amount to the nearest penny, with no more than 2 decimal places."),
        ("£1,234.567", "Enter the amount to the nearest penny, with no more than 2 decimal places."),
        ("1,23", "Check the commas in the amount: they should separate thousands, for example £1,234,567."),
        (
            "12,34,567",
            "Check the commas in the amount: they should separate thousands, for example £1,234,567.",
        ),
        ("0,123", "Check the commas in the amount: they should separate thousands, for example £1,234,567."),
        ("1234,", "Check the commas in the amount: they should separate thousands, for example £1,234,567."),
        ("££1234", "Enter the amount with only one £ sign, for example £1,234.50."),
        ("£1,234£", "Enter the amount with only one £ sign, for example £1,234.50."),
        ("1,000,000,000.01", "Enter an amount of £1,000,000,000 or less."),
        ("9" * 5000, "Enter an amount of £1,000,000,000 or less."),
        ("-1234", "Enter an amount of £0 or more."),
        ("-£1,234.50", "Enter an amount of £0 or more."),
    ],
)
def test_parse_money_rejects_with_plain_message(text: str, message: str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_money(text)
    assert caught.value.message == message
    assert str(caught.value) == message


def test_parse_money_rejects_beyond_ceiling_when_negative_allowed() -> None:
    with pytest.raises(MoneyError, match="between -£1,000,000,000 and £1,000,000,000"):
        parse_money("-1,000,000,000.01", allow_negative=True)


def test_money_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="numbers only"):
        parse_money("NaN")


@pytest.mark.parametrize(
    ("pence", "show_pence", "text"),
    [
        (248_392_500, None, "£2,483,925"),
        (123_450, None, "£1,234.50"),
        (123_405, None, "£1,234.05"),
        (123_400, True, "£1,234.00"),
        (0, None, "£0"),
        (0, True, "£0.00"),
        (1, None, "£0.01"),
        (-123_400, None, "-£1,234"),
        (-123_450, None, "-£1,234.50"),
        (MAX_PENCE, None, "£1,000,000,000"),
        # show_pence=False rounds to the nearest pound, halves away from zero.
        (123_450, False, "£1,235"),
        (123_449, False, "£1,234"),
        (-123_450, False, "-£1,235"),
        (-49, False, "£0"),
    ],
)
def test_format_money(pence: int, show_pence: bool | None, text: str) -> None:
    assert format_money(pence, show_pence=show_pence) == text


def test_format_money_rejects_non_integers() -> None:
    with pytest.raises(TypeError):
        format_money(True)
    with pytest.raises(TypeError):
        format_money(12.5)  # type: ignore[arg-type]


@given(st.integers(min_value=0, max_value=MAX_PENCE))
def test_round_trip_with_pence(pence: int) -> None:
    assert parse_money(format_money(pence, show_pence=True)) == pence


@given(st.integers(min_value=0, max_value=MAX_PENCE))
def test_round_trip_default_display(pence: int) -> None:
    assert parse_money(format_money(pence)) == pence


@given(st.integers(min_value=-MAX_PENCE, max_value=MAX_PENCE))
def test_round_trip_negative(pence: int) -> None:
    assert parse_money(format_money(pence, show_pence=True), allow_negative=True) == pence
