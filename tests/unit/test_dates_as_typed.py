"""Date boxes accept what their hint says: the day, month and year in that order, or the ISO date a
browser's date picker sends."""

from __future__ import annotations

from datetime import date

import pytest

from changeauth.web.forms import DATE_HINT, parse_date


@pytest.mark.parametrize(
    "typed",
    ["31 3 2027", "31/03/2027", "31-3-2027", "31.3.2027", "31 March 2027", "31 mar 2027", "2027-03-31"],
)
def test_the_ways_people_type_a_date(typed: str) -> None:
    assert parse_date(typed) == date(2027, 3, 31)


@pytest.mark.parametrize("typed", ["31 2 2027", "3/31/2027", "next week", "2027-02-30", "31 Smarch 2027"])
def test_what_is_not_a_real_date(typed: str) -> None:
    assert parse_date(typed) is None


def test_the_hint_is_an_example_the_box_accepts() -> None:
    example = DATE_HINT.removeprefix("For example ").rstrip(".")
    assert parse_date(example) == date(2027, 3, 31)


def test_the_field_reads_a_typed_date_and_names_a_wrong_one() -> None:
    from werkzeug.datastructures import MultiDict
    from wtforms import Form

    from changeauth.web.forms import DATE_MESSAGE, DayMonthYearField

    class OneDate(Form):
        on = DayMonthYearField("On")

    typed = OneDate(MultiDict({"on": "31 3 2027"}))
    assert typed.validate() and typed.on.data == date(2027, 3, 31)
    assert 'value="2027-03-31"' in typed.on()  # a date box's value is ISO
    wrong = OneDate(MultiDict({"on": "31 2 2027"}))
    assert not wrong.validate() and wrong.on.errors == [DATE_MESSAGE]
    assert OneDate().on.description == DATE_HINT
