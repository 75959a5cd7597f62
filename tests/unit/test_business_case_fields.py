"""MoneyField and DecimalTextField: what people type is parsed strictly, and kept when refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.validators import InputRequired

from changeauth.web.forms import DecimalTextField, MoneyField


class MoneyForm(Form):
    amount = MoneyField("Amount")
    required = MoneyField("Required amount", validators=[InputRequired("Enter an amount.")])
    signed = MoneyField("Adjustment", allow_negative=True)


def _money(**typed: str) -> MoneyForm:
    form = MoneyForm(MultiDict({"required": "1", **typed}))
    form.validate()
    return form


class TestMoneyField:
    @pytest.mark.parametrize(
        ("typed", "pence"),
        [
            ("1234", 123_400),
            ("1,234.50", 123_450),
            ("£1,234.50", 123_450),
            (" £7,448,155 ", 744_815_500),
            ("1234.5", 123_450),
            ("0", 0),
            ("1000000000", 100_000_000_000),
        ],
    )
    def test_accepts_amounts_as_people_type_them(self, typed: str, pence: int) -> None:
        form = _money(amount=typed)
        assert form.amount.errors == [] and form.amount.data == pence

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("NaN", "Enter the amount using numbers only, for example £1,234.50."),
            ("sNaN", "Enter the amount using numbers only, for example £1,234.50."),
            ("Infinity", "Enter the amount using numbers only, for example £1,234.50."),
            ("1E+999", "Enter the amount using numbers only, for example £1,234.50."),
            ("12.345", "Enter the amount to the nearest penny, with no more than 2 decimal places."),
            ("1000000000.01", "Enter an amount of £1,000,000,000 or less."),
            ("-5", "Enter an amount of £0 or more."),
            ("££5", "Enter the amount with only one £ sign, for example £1,234.50."),
        ],
    )
    def test_refuses_with_the_reason_and_keeps_what_was_typed(self, typed: str, message: str) -> None:
        form = _money(amount=typed)
        assert form.amount.errors == [message]
        assert form.amount.data is None
        assert form.amount._value() == typed
        assert f'value="{typed}"' in form.amount()

    def test_a_blank_box_is_none_unless_required(self) -> None:
        form = _money(amount="  ", required="")
        assert form.amount.errors == [] and form.amount.data is None
        assert form.required.errors == ["Enter an amount."]

    def test_negative_amounts_only_where_allowed(self) -> None:
        assert _money(signed="-£1,000").signed.data == -100_000

    def test_stored_pence_are_shown_with_thousands_separators(self) -> None:
        assert MoneyForm(data={"amount": 744_815_500}).amount._value() == "7,448,155"
        assert MoneyForm(data={"amount": 123_450}).amount._value() == "1,234.50"
        assert MoneyForm().amount._value() == ""


class PercentForm(Form):
    rate = DecimalTextField("Rate", places=2, suffix="%")
    fte = DecimalTextField("FTE", places=1, allow_negative=True, example="-2.5")


class TestDecimalTextField:
    @pytest.mark.parametrize(
        ("typed", "value"),
        [("3.5", Decimal("3.5")), ("3.5%", Decimal("3.5")), (" 40 % ", Decimal(40)), (".5", Decimal("0.5"))],
    )
    def test_accepts_plain_numbers(self, typed: str, value: Decimal) -> None:
        form = PercentForm(MultiDict({"rate": typed}))
        assert form.validate() and form.rate.data == value

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("NaN", "Enter a number, for example 3.5."),
            ("Infinity", "Enter a number, for example 3.5."),
            ("1e3", "Enter a number, for example 3.5."),
            ("\u0663", "Enter a number, for example 3.5."),  # an Arabic-Indic three, which Decimal accepts
            ("-1", "Enter a number of 0 or more."),
            ("3.555", "Enter the number with no more than 2 decimal places."),
        ],
    )
    def test_refuses_anything_else_and_keeps_it(self, typed: str, message: str) -> None:
        form = PercentForm(MultiDict({"rate": typed}))
        assert not form.validate()
        assert form.rate.errors == [message] and form.rate.data is None
        assert form.rate._value() == typed

    def test_signed_numbers_where_allowed(self) -> None:
        form = PercentForm(MultiDict({"fte": "-77.3"}))
        assert form.validate() and form.fte.data == Decimal("-77.3")
        assert PercentForm(MultiDict({"fte": "1.25"})).validate() is False

    def test_blank_is_none_and_stored_values_show_plainly(self) -> None:
        form = PercentForm(MultiDict({"rate": ""}))
        assert form.validate() and form.rate.data is None
        assert PercentForm(data={"rate": Decimal("3.5000")}).rate._value() == "3.5"
        assert PercentForm(data={"rate": Decimal("20")}).rate._value() == "20"
