"""Accountable owners and change control in Chromium, as the people who use them: the benefit's owner finds
the benefit waiting for acceptance on Home, accepts it, and proposes a later target with a reason; the
target stays until an independent design authority member, from their Home worklist, first tries to reject
without a note (refused in plain words), then approves; the history names both. Every state passes axe."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from changeauth import db
from changeauth.devtools.demo_data import demo_email
from changeauth.models import User
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_violations
from tests.factories import BenefitFactory, ImprovementFactory

TITLE = "Missed bin collections reported online"


@pytest.fixture(scope="module")
def owned_benefit(live_app: Any) -> int:
    """A benefit of an improvement in delivery (its business case approved), owned by the demo manager."""
    with live_app.app_context():
        db.set_write_intent(True)
        manager = db.session.scalar(select(User).where(User.email == demo_email("manager")))
        benefit = BenefitFactory(
            improvement=ImprovementFactory(delivery=True, owner=manager), owner=manager, title=TITLE
        )
        db.session.commit()
        db.set_write_intent(False)
        return benefit.id


def test_the_owner_accepts_and_proposes_and_the_design_authority_approves(
    browser: Any, live_server: str, owned_benefit: int, sign_in_as: Any
) -> None:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    try:
        owner = context.new_page()
        sign_in_as(owner, demo_email("manager"))
        owner.goto("/")
        owner.get_by_role("link", name=f"Accept {TITLE}").click()
        assert "Waiting for" in owner.locator("#acceptance").inner_text()
        assert axe_violations(owner) == []
        owner.get_by_role("button", name="Accept this benefit").click()
        assert owner.locator("#acceptance").inner_text().startswith("Accepted by ")
        screenshot(owner, "benefit-accepted")

        owner.get_by_role("link", name="Propose a change to the baseline or target").click()
        owner.get_by_label("Target value").fill("650")
        owner.get_by_label("Target date").fill("2027-04-30")
        owner.get_by_role("button", name="Send the change to the design authority").click()
        assert "Say why the baseline or target should change." in owner.locator(".error-summary").inner_text()
        assert owner.get_by_label("Target value").input_value() == "650"
        assert axe_violations(owner) == []
        owner.get_by_label("Why should it change?").fill("The new online form goes live a quarter later.")
        owner.get_by_role("button", name="Send the change to the design authority").click()
        waiting = owner.locator("[aria-labelledby=pending-change-heading]").inner_text()
        assert "650 calls per month by 30 April 2027" in waiting
        assert "600 calls per month by 31 January 2027" in owner.locator("dl.summary-list").inner_text()
        assert axe_violations(owner) == []
        owner.locator("#pending-change-heading").scroll_into_view_if_needed()
        screenshot(owner, "benefit-change-proposed")
    finally:
        context.close()

    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    try:
        member = context.new_page()
        sign_in_as(member, demo_email("design_authority_2"))
        member.goto("/")
        member.locator("#change-requests-heading + ul").get_by_role("link", name=TITLE).click()
        member.get_by_label("Reject the change").check()
        member.get_by_role("button", name="Record the decision").click()
        assert "Say why the change is rejected" in member.locator(".error-summary").inner_text()
        assert axe_violations(member) == []
        screenshot(member, "benefit-change-reject-needs-note")
        member.get_by_label("Approve the change").check()
        member.get_by_label("Note").fill("Agreed at the December meeting.")
        member.get_by_role("button", name="Record the decision").click()
        assert "The change has been approved and applied." in member.content()
        history = member.locator("table[aria-labelledby=plan-history]").inner_text()
        assert "The new online form goes live a quarter later." in history
        assert "Agreed at the December meeting." in history
        assert "650 calls per month by 30 April 2027" in member.locator("dl.summary-list").inner_text()
        assert axe_violations(member) == []
        member.locator("#plan-history").scroll_into_view_if_needed()
        screenshot(member, "benefit-change-approved")
    finally:
        context.close()
