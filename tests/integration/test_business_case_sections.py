"""An option's page turned into the option's figures, and the service's messages put back on the
boxes they are about, each summary line naming the option, the year and the column. (No database,
but FlaskForm needs the application, so it lives here.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from changeauth.domain.appraisal import OptionFigures, YearFigures
from changeauth.domain.business_cases import CaseContent
from changeauth.domain.errors import ValidationFailed
from changeauth.web.business_cases.forms import (
    OptionPageForm,
    apply_option_errors,
    error_list,
    with_option,
    without_option,
)


@pytest.fixture
def request_context(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


def _page(data: dict[str, str]) -> OptionPageForm:
    return OptionPageForm(formdata=MultiDict(data), meta={"csrf": False})


ROWS = {"name": "Do it", "years-2-capital": "£5,000", "years-4-cashable": "2,500", "years-4-revenue": ""}


@pytest.mark.usefixtures("request_context")
def test_blank_years_are_left_out_and_each_year_keeps_its_row() -> None:
    form = _page(ROWS)
    assert form.validate()
    from changeauth.web.business_cases.forms import option_figures

    assert option_figures(form) == OptionFigures(
        "Do it",
        False,
        (YearFigures(2, capital_pence=500_000), YearFigures(4, cashable_benefit_pence=250_000)),
    )


@pytest.mark.usefixtures("request_context")
def test_the_services_messages_land_on_the_boxes_they_are_about() -> None:
    form = _page(ROWS)
    form.validate()
    failure = ValidationFailed(
        {
            # The option's second year with figures is year 4.
            "options.1.years.1.cashable_benefit_pence": ["Too big."],
            "options.1.name": ["Same name."],
            "options.0.name": ["About another option."],
            "discount_rate": ["Out of range."],
        }
    )
    apply_option_errors(form, failure, 1)
    assert form.years[4].form.cashable.errors == ["Too big."]
    assert error_list(form, option_number=2) == [
        ("name", "Same name."),
        ("years-4-cashable", "Option 2 (Do it), year 4, cashable benefit: Too big."),
        ("main-content", "About another option."),
        ("main-content", "Out of range."),
    ]


def test_options_are_replaced_added_and_removed_with_the_preferred_one_followed() -> None:
    bau = OptionFigures("Business as usual", True, (YearFigures(0),))
    online = OptionFigures("Online", False, (YearFigures(1, cashable_benefit_pence=5),))
    content = CaseContent(kind="outline", options=(bau, online), preferred_option="online")
    renamed = with_option(content, 1, OptionFigures("Online and phone", False, online.years))
    assert renamed.preferred_option == "Online and phone"
    added = with_option(content, 2, OptionFigures("Shared", False, ()))
    assert [o.name for o in added.options] == ["Business as usual", "Online", "Shared"]
    assert without_option(content, 0).preferred_option == "online"
    assert without_option(content, 1).preferred_option is None
