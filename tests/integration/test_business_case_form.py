"""The business-case editor's rows turned into content, and the service's messages put back on the
boxes they are about. (No database, but FlaskForm needs the application, so it lives here.)"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from changeauth.domain.appraisal import DEFAULT_DISCOUNT_RATE, YearFigures
from changeauth.domain.errors import ValidationFailed
from changeauth.web.business_cases.forms import (
    BusinessCaseForm,
    apply_case_errors,
    error_list,
    set_preferred_choices,
    to_content,
)


@pytest.fixture
def request_context(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


def _editor(data: dict[str, str]) -> BusinessCaseForm:
    form = BusinessCaseForm(formdata=MultiDict(data), meta={"csrf": False})
    form.strategic_priorities.choices = []
    form.benefit_drivers.choices = []
    set_preferred_choices(form)
    return form


@pytest.mark.usefixtures("request_context")
class TestEditorRows:
    ROWS = {
        "kind": "full",
        # Option rows 0 and 2 are not sent at all; rows 1 and 3 become options 0 and 1, and each
        # year keeps its own row number.
        "options-1-name": "Business as usual",
        "options-1-is_business_as_usual": "y",
        "options-1-years-0-capital": "0",
        "options-3-name": "Do it",
        "options-3-years-2-capital": "£5,000",
        "options-3-years-4-cashable": "2,500",
        "options-3-years-4-revenue": "",
        "preferred_option": "3",
        "discount_rate": "3",
        "optimism_bias_pct": "",
    }

    def test_blank_options_and_years_are_left_out(self) -> None:
        content, rows = to_content(_editor(self.ROWS))
        assert [option.name for option in content.options] == ["Business as usual", "Do it"]
        assert content.options[0].is_business_as_usual and not content.options[1].is_business_as_usual
        assert content.options[1].years == (
            YearFigures(2, capital_pence=500_000),
            YearFigures(4, cashable_benefit_pence=250_000),
        )
        assert content.preferred_option == "Do it" and content.kind == "full"
        assert content.discount_rate == Decimal("0.03") and content.optimism_bias_pct == 0
        assert (rows.option_rows, rows.year_rows) == ([1, 3], [[0], [2, 4]])

    def test_a_blank_discount_rate_is_the_green_book_rate(self) -> None:
        content, _ = to_content(_editor({**self.ROWS, "discount_rate": ""}))
        assert content.discount_rate == DEFAULT_DISCOUNT_RATE

    def test_the_services_messages_land_on_the_boxes_they_are_about(self) -> None:
        form = _editor(self.ROWS)
        form.validate()
        _, rows = to_content(form)
        failure = ValidationFailed(
            {
                "options.1.years.1.cashable_benefit_pence": ["Too big."],
                "options.0.years": ["Add figures."],
                "options": ["At most ten."],
                "discount_rate": ["Out of range."],
                "strategic_priorities": ["Unknown."],
                "nonsense": ["Something else."],
            }
        )
        apply_case_errors(form, failure, rows)
        assert form.options[3].form.years[4].form.cashable.errors == ["Too big."]
        assert form.options[1].form.name.errors == ["Add figures."]
        assert form.options[0].form.name.errors == ["At most ten."]
        assert form.discount_rate.errors == ["Out of range."]
        assert error_list(form) == [
            ("strategic_priorities", "Unknown."),
            ("options-0-name", "At most ten."),
            ("options-1-name", "Add figures."),
            ("options-3-years-4-cashable", "Too big."),
            ("discount_rate", "Out of range."),
            ("main-content", "Something else."),
        ]
