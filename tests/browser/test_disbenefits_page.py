"""Dis-benefits in Chromium, walked as the benefit's owner (who owns its improvement): from the
improvement's benefits page they record a dis-benefit in money that offsets the saving, are told plainly
what is wrong with a refused one, see it against the benefit on the benefit's page and the net saving fall
by its cost, then mark it mitigated; every state passes axe."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from changeauth import db
from changeauth.devtools.demo_data import demo_email
from changeauth.models import User
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_violations
from tests.factories import BenefitFactory, BenefitMeasurementFactory, ImprovementFactory, UserFactory


@pytest.fixture(scope="module")
def saving(live_app: Any) -> tuple[int, int]:
    """A validated £50,000 a year saving, measured for 2025/26, on an improvement in delivery, owned by the
    demo manager (the improvement's owner too): (improvement id, benefit id)."""
    with live_app.app_context():
        db.set_write_intent(True)
        manager = db.session.scalar(select(User).where(User.email == demo_email("manager")))
        work = ImprovementFactory(delivery=True, owner=manager, title="Council tax e-billing")
        benefit = BenefitFactory(
            cashable=True,
            improvement=work,
            owner=manager,
            title="Printing and postage saved",
            baseline_date=date(2025, 4, 1),
        )
        BenefitMeasurementFactory(benefit=benefit, period_end=date(2026, 3, 31), value=Decimal(5_000_000))
        benefit.validated_by_id = UserFactory(finance=True).id
        benefit.validated_at = datetime(2026, 4, 10, tzinfo=UTC)
        db.session.commit()
        db.set_write_intent(False)
        return work.id, benefit.id


def test_the_benefit_owner_records_a_dis_benefit_and_sees_the_net(
    browser: Any, live_server: str, saving: tuple[int, int], sign_in_as: Any
) -> None:
    improvement_id, benefit_id = saving
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    try:
        owner = context.new_page()
        sign_in_as(owner, demo_email("manager"))
        owner.goto(f"/improvements/{improvement_id}/benefits")
        before = owner.locator("#improvement-years-2025").inner_text()
        assert "£50,000" in before
        owner.get_by_role("link", name="Record a dis-benefit").click()
        assert owner.locator("h1").inner_text() == "Record a dis-benefit"

        owner.get_by_label("Title").fill("Residents who cannot get e-bills pay for paper")
        owner.get_by_label("What is the dis-benefit?").fill(
            "Residents without email are charged a fee for a paper bill, and the council loses the fee it "
            "once charged for reprints."
        )
        owner.get_by_label("Who is affected?").fill("Residents without email")
        owner.get_by_label("How is it mitigated?").fill(
            "Paper bills stay free for those on council tax support."
        )
        owner.get_by_label("Printing and postage saved").check()
        owner.get_by_label("Cashable: money the council loses or no longer earns").check()
        owner.get_by_label("Value a year, in pounds (only if it is money)").fill("lots")
        owner.get_by_role("button", name="Record the dis-benefit").click()
        # Refused in plain words, with what was typed kept.
        summary = owner.locator(".error-summary").inner_text()
        assert "Enter the amount using numbers only" in summary
        assert owner.get_by_label("Who is affected?").input_value() == "Residents without email"
        assert axe_violations(owner) == []
        screenshot(owner, "disbenefit-refused")

        owner.get_by_label("Value a year, in pounds (only if it is money)").fill("12,000")
        owner.get_by_label("Date it starts to cost (only if it is money)").fill("2025-10-01")
        owner.get_by_role("button", name="Record the dis-benefit").click()
        assert "has been recorded" in owner.locator("main").inner_text()
        listed = owner.locator("#dis-benefits ~ div").first.inner_text()
        assert "Residents without email" in listed and "Printing and postage saved" in listed
        # The net saving of 2025/26 falls by half a year of £12,000; 2026/27 by a whole year.
        assert "£44,000" in owner.locator("#improvement-years-2025").inner_text()
        assert "£38,000" in owner.locator("#improvement-years-2026").inner_text()
        assert axe_violations(owner) == []
        screenshot(owner, "disbenefits-on-the-improvement")

        # Against the benefit it offsets, on the benefit's page.
        owner.get_by_role("link", name="Printing and postage saved").first.click()
        against = owner.locator("main").inner_text()
        assert "Dis-benefits set against this benefit" in against
        assert "Residents who cannot get e-bills pay for paper" in against
        assert axe_violations(owner) == []
        screenshot(owner, "disbenefit-on-the-benefit")

        # Edit: mitigated now.
        owner.get_by_role("link", name="Change ‘Residents who cannot get e-bills pay for paper’").click()
        owner.get_by_role("radio", name="Mitigated").check()
        owner.get_by_role("button", name="Save the dis-benefit").click()
        assert "has been changed" in owner.locator("main").inner_text()
        assert "Mitigated" in owner.locator("#dis-benefits ~ div").first.inner_text()
        screenshot(owner, "disbenefit-mitigated")
    finally:
        context.close()
