"""Savings by financial year in Chromium: a finance officer records that a year's saving was taken out of
a budget through the benefit's page, a refused form keeps nothing and passes axe, and the table by year
shows the budget line, the date and who signed it off."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from changeauth import db
from changeauth.devtools.demo_data import demo_email
from changeauth.models import BenefitYear, User
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_violations
from tests.factories import BenefitFactory, BenefitMeasurementFactory, ImprovementFactory, UserFactory


@pytest.fixture(scope="module")
def validated_saving(live_app: Any) -> int:
    """A validated cashable saving of £15,000 a year owned by the demo manager, planned at £12,000 for
    2026/27, on an improvement the demo finance officer has no tie to."""
    with live_app.app_context():
        db.set_write_intent(True)
        manager = db.session.scalar(select(User).where(User.email == demo_email("manager")))
        work = ImprovementFactory(delivery=True, owner=manager)
        benefit = BenefitFactory(cashable=True, improvement=work, owner=manager, title="Printing saved")
        BenefitMeasurementFactory(benefit=benefit, value=Decimal(1_500_000), period_end=date(2026, 4, 30))
        benefit.validated_by_id = UserFactory(finance=True).id
        benefit.validated_at = datetime(2026, 5, 15, 12, 0, tzinfo=UTC)
        db.session.add(BenefitYear(benefit_id=benefit.id, financial_year=2026, planned_pence=1_200_000))
        db.session.commit()
        db.set_write_intent(False)
        return benefit.id


def test_finance_records_the_budget_reduction_and_the_year_shows_it(
    browser: Any, live_server: str, live_app: Any, validated_saving: int, sign_in_as: Any
) -> None:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    try:
        finance = context.new_page()
        sign_in_as(finance, demo_email("finance"))
        finance.goto(f"/benefits/{validated_saving}")
        year = finance.locator("#year-2026")
        assert "Not yet" in year.inner_text()
        assert "£12,000" in year.inner_text() and "£15,000" in year.inner_text()
        year.get_by_role("link", name="Record the budget reduction for 2026/27").click()

        # An empty form says what is missing and writes nothing.
        finance.get_by_label("Amount taken out of the budget").fill("")
        finance.get_by_role("button", name="Sign off the budget reduction").click()
        summary = finance.locator(".error-summary").inner_text()
        assert "Enter the budget line the saving was taken out of." in summary
        assert "Enter the amount taken out of the budget." in summary
        assert axe_violations(finance) == []
        screenshot(finance, "savings-by-year-budget-reduction-refused")

        finance.get_by_label("Budget line").fill("Corporate print and post")
        finance.get_by_label("Amount taken out of the budget").fill("15,000")
        finance.get_by_label("Date the budget was reduced").fill("2026-11-20")
        finance.get_by_role("button", name="Sign off the budget reduction").click()

        assert "taken out of the budget" in finance.locator("main .notification").first.inner_text()
        row = finance.locator("#year-2026").inner_text()
        assert "£15,000 from Corporate print and post on 20 November 2026, signed off by" in row
        assert "Record the budget reduction" not in row
        assert axe_violations(finance) == []
        finance.locator("#financial-years").scroll_into_view_if_needed()
        screenshot(finance, "savings-by-year-budget-reduction-recorded")
        # The improvement's benefits page adds it up by year, with the amount taken out of budgets.
        finance.get_by_role("link", name="All benefits of").click()
        improvement_year = finance.locator("#improvement-years-2026").inner_text()
        assert improvement_year.split() == [
            "2026/27",
            "£12,000",
            "£15,000",
            "£0",
            "£0",
            "£0",
            "£15,000",
            "£15,000",
        ]
        assert axe_violations(finance) == []
        screenshot(finance, "savings-by-year-improvement")
    finally:
        context.close()
    with live_app.app_context():
        recorded = db.session.scalar(select(BenefitYear).where(BenefitYear.benefit_id == validated_saving))
        assert recorded is not None and recorded.budget_line == "Corporate print and post"
        assert recorded.taken_out_pence == 1_500_000 and recorded.taken_out_on == date(2026, 11, 20)


def test_the_close_down_page_shows_the_worked_example_by_financial_year(
    browser: Any, live_server: str, sign_in_as: Any
) -> None:
    # Report §3.2: £2,483,925 realised; temporary staff £494,990 (2019/20) and £240,230 (2020/21).
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    try:
        viewer = context.new_page()
        sign_in_as(viewer, demo_email("viewer"))
        viewer.goto("/dashboard")
        viewer.goto(viewer.locator("a[href*='/close-down']").first.get_attribute("href") or "/")
        table = viewer.locator("#programme-years")
        assert "£1,988,935" in table.locator("#programme-years-2019").inner_text()
        assert "£2,243,695" in table.locator("#programme-years-2020").inner_text()
        assert "£7,448,155" in table.locator("#programme-years-2017").inner_text()
        assert axe_violations(viewer) == []
        table.scroll_into_view_if_needed()
        screenshot(viewer, "savings-by-year-close-down")
    finally:
        context.close()
