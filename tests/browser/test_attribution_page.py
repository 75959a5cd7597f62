"""Attribution in Chromium: the improvement's owner says, from the benefit's page, which measure the
benefit shares and its share; a share over 100 % is refused in plain words; another improvement claiming
the same measure without an agreed share shows as a possible double count; every state passes axe."""

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

MEASURE = "Calls to Customer Connect about council tax"


@pytest.fixture(scope="module")
def two_claims(live_app: Any) -> int:
    """The demo manager's benefit, and another improvement's benefit already naming the same measure."""
    with live_app.app_context():
        db.set_write_intent(True)
        manager = db.session.scalar(select(User).where(User.email == demo_email("manager")))
        mine = BenefitFactory(
            improvement=ImprovementFactory(delivery=True, owner=manager),
            owner=manager,
            title="Fewer council tax calls",
        )
        other = BenefitFactory(title="Calls avoided by online direct debits")
        other.shared_measure, other.shared_measure_key = MEASURE, MEASURE.casefold()
        db.session.commit()
        db.set_write_intent(False)
        return mine.id


def test_the_owner_records_the_share_and_sees_the_double_count(
    browser: Any, live_server: str, two_claims: int, sign_in_as: Any
) -> None:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    try:
        owner = context.new_page()
        sign_in_as(owner, demo_email("manager"))
        owner.goto(f"/benefits/{two_claims}")
        owner.get_by_role("link", name="Say what this benefit shares with other improvements").click()
        owner.get_by_label("Measure or budget line this benefit shares (optional)").fill(MEASURE.upper())
        owner.get_by_label("Share of it this improvement claims (per cent, optional)").fill("120")
        owner.get_by_role("button", name="Save what this benefit shares").click()
        assert (
            "Enter a share above 0 and no more than 100 per cent."
            in owner.locator(".error-summary").inner_text()
        )
        assert axe_violations(owner) == []
        screenshot(owner, "attribution-refused")

        owner.get_by_label("Share of it this improvement claims (per cent, optional)").fill("60")
        owner.get_by_role("button", name="Save what this benefit shares").click()
        claims = owner.locator("#shared-measure-claims").inner_text()
        assert "Possible double count" in claims
        assert "Calls avoided by online direct debits" in claims and "no share agreed yet" in claims
        assert "60%" in claims
        assert axe_violations(owner) == []
        owner.locator("#shared-measure").scroll_into_view_if_needed()
        screenshot(owner, "attribution-double-count")
    finally:
        context.close()
