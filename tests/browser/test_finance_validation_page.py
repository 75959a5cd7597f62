"""Finance validation in Chromium: finance sends a benefit back to its owner with a question, the owner
reads it on the benefit's page, and finance validates with a note; the error states pass axe."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from changeauth import db
from changeauth.devtools.demo_data import demo_email
from changeauth.models import Benefit, User
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_violations
from tests.factories import BenefitFactory, BenefitMeasurementFactory, ImprovementFactory


@pytest.fixture(scope="module")
def benefit_to_validate(live_app: Any) -> tuple[int, str]:
    """A measured cashable benefit owned by the demo manager, on an improvement finance has no tie to."""
    with live_app.app_context():
        db.set_write_intent(True)
        manager = db.session.scalar(select(User).where(User.email == demo_email("manager")))
        work = ImprovementFactory(delivery=True, owner=manager)
        benefit = BenefitFactory(cashable=True, improvement=work, owner=manager, title="Postage saved")
        BenefitMeasurementFactory(benefit=benefit, value=Decimal(1_500_000), period_end=date(2026, 4, 30))
        db.session.commit()
        db.set_write_intent(False)
        return benefit.id, benefit.title


def test_finance_asks_the_owner_then_validates_with_a_note(
    browser: Any, live_server: str, live_app: Any, benefit_to_validate: tuple[int, str], sign_in_as: Any
) -> None:
    benefit_id, _title = benefit_to_validate
    finance_context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    owner_context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    try:
        finance = finance_context.new_page()
        sign_in_as(finance, demo_email("finance"))
        finance.goto(f"/benefits/{benefit_id}")
        # Both forms refuse empty answers on the page, keeping the benefit as it was.
        finance.get_by_role("button", name="Send the question").click()
        assert "Write the question for the benefit's owner." in finance.locator(".error-summary").inner_text()
        assert axe_violations(finance) == []
        finance.get_by_role("button", name="Validate this cashable benefit").click()
        assert "Say what you checked before validating." in finance.locator(".error-summary").inner_text()
        assert axe_violations(finance) == []

        finance.get_by_label("Your question").fill("Which budget line shows the postage saving?")
        finance.get_by_role("button", name="Send the question").click()
        assert "sent to the benefit's owner" in finance.locator("main .notification").first.inner_text()

        owner = owner_context.new_page()
        sign_in_as(owner, demo_email("manager"))
        owner.goto(f"/benefits/{benefit_id}")
        assert (
            "Which budget line shows the postage saving?" in owner.locator("#finance-question").inner_text()
        )
        owner.get_by_label("Your answer").fill("Cost centre 4410, franking.")
        owner.get_by_role("button", name="Send the answer to finance").click()
        assert axe_violations(owner) == []
        screenshot(owner, "benefit-finance-question-answered")

        finance.goto(f"/benefits/{benefit_id}")
        assert "Cost centre 4410, franking." in finance.locator("#finance-question").inner_text()
        finance.get_by_label("What you checked").fill("Franking spend down in the ledger, cost centre 4410.")
        finance.get_by_role("button", name="Validate this cashable benefit").click()
        assert "Franking spend down in the ledger" in finance.locator("#validation-note").inner_text()
        screenshot(finance, "benefit-validated-with-note")
    finally:
        finance_context.close()
        owner_context.close()
    with live_app.app_context():
        benefit = db.session.get(Benefit, benefit_id)
        assert benefit is not None and benefit.validated_at is not None
