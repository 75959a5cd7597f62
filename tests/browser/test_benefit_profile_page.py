"""A stepped plan in Chromium: the benefit's owner chooses "In steps" on the profile, enters two steps on
the planned-values page (adding a row with its button, a value that is not a number refused in plain
words), and sees the plan against the actuals on the benefit's page; every state passes axe."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from changeauth import db
from changeauth.devtools.demo_data import demo_email
from changeauth.models import User
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_violations
from tests.factories import BenefitFactory, BenefitMeasurementFactory, ImprovementFactory

TITLE = "Calls about missed bins"


@pytest.fixture(scope="module")
def measured_benefit(live_app: Any) -> int:
    """The demo manager's benefit (they own it and its improvement, at its business case), measured twice."""
    with live_app.app_context():
        db.set_write_intent(True)
        manager = db.session.scalar(select(User).where(User.email == demo_email("manager")))
        benefit = BenefitFactory(
            improvement=ImprovementFactory(business_case=True, owner=manager), owner=manager, title=TITLE
        )
        BenefitMeasurementFactory(benefit=benefit, period_end=date(2026, 4, 30), value=Decimal(950))
        BenefitMeasurementFactory(benefit=benefit, period_end=date(2026, 7, 31), value=Decimal(780))
        db.session.commit()
        db.set_write_intent(False)
        return benefit.id


def _row(page: Any, on: str) -> list[str]:
    cells = page.locator("table[aria-describedby=trajectory] tbody tr", has_text=on).first.locator("td")
    return [cells.nth(i).inner_text().strip() for i in range(3)]


def test_the_owner_enters_a_stepped_plan_and_sees_planned_against_actual(
    browser: Any, live_server: str, measured_benefit: int, sign_in_as: Any
) -> None:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    try:
        owner = context.new_page()
        sign_in_as(owner, demo_email("manager"))
        owner.goto(f"/benefits/{measured_benefit}")
        owner.get_by_role("link", name="Change the profile").click()
        owner.get_by_label("In steps").check()
        assert axe_violations(owner) == []
        screenshot(owner, "benefit-profile-shape")
        owner.get_by_role("button", name="Save changes").click()

        assert owner.get_by_role("heading", name="Planned values").is_visible()
        owner.get_by_label("Date").first.fill("2026-04-01")
        owner.get_by_label("Planned value").first.fill("lots")
        owner.get_by_role("button", name="Add another step").click()
        owner.get_by_label("Date").nth(1).fill("2026-07-01")
        owner.get_by_label("Planned value").nth(1).fill("750")
        owner.get_by_role("button", name="Save the planned values").click()
        summary = owner.locator(".error-summary").inner_text()
        assert "Enter a number" in summary, summary
        # What was typed is still there to correct.
        assert owner.get_by_label("Planned value").first.input_value() == "lots"
        assert owner.get_by_label("Planned value").nth(1).input_value() == "750"
        assert axe_violations(owner) == []
        screenshot(owner, "benefit-planned-values-refused")

        owner.get_by_label("Planned value").first.fill("900")
        owner.get_by_role("button", name="Save the planned values").click()
        assert "In steps" in owner.locator("#benefit-plan-shape").inner_text()
        # The plan steps: 900 planned by the end of April, 750 by the end of July, against the actuals.
        assert _row(owner, "30 April 2026")[1:] == ["900 calls per month", "950 calls per month"]
        assert _row(owner, "31 July 2026")[1:] == ["750 calls per month", "780 calls per month"]
        assert _row(owner, "1 April 2026")[1] == "900 calls per month"
        assert axe_violations(owner) == []
        owner.locator("#trajectory").scroll_into_view_if_needed()
        screenshot(owner, "benefit-planned-against-actual")
    finally:
        context.close()
