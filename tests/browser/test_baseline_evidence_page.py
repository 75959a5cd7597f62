"""Baseline evidence in Chromium, as the benefit's owner: the gate page says G2 waits because the baseline
is only an estimate, naming the benefit; the owner records it as measured with its source and a file on the
profile form; the benefit's page says so in plain words with the file, and the gate's criterion is met.
Every state passes axe."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from changeauth import db
from changeauth.devtools.demo_data import demo_email
from changeauth.models import User
from changeauth.queries.clock import today
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_violations
from tests.factories import BenefitFactory, ImprovementFactory

TITLE = "Calls answered at first contact"


@pytest.fixture(scope="module")
def estimated_baseline(live_app: Any) -> tuple[int, int]:
    """An improvement in delivery owned by the demo manager, with one benefit whose baseline is an
    estimate: (improvement id, benefit id)."""
    with live_app.app_context():
        db.set_write_intent(True)
        manager = db.session.scalar(select(User).where(User.email == demo_email("manager")))
        work = ImprovementFactory(delivery=True, owner=manager, title="First-contact resolution")
        start = today() - timedelta(days=90)
        benefit = BenefitFactory(
            improvement=work,
            owner=manager,
            title=TITLE,
            baseline_date=start,
            target_date=start + timedelta(days=365),
            baseline_quality="estimated",
            baseline_evidence="Team leaders' judgement",
        )
        db.session.commit()
        db.set_write_intent(False)
        return work.id, benefit.id


def _criterion(page: Any) -> str:
    row = page.locator("tr, li, .summary-list__row").filter(has_text="measured baseline").first
    if row.count() == 0:
        row = page.locator("tr, li, .summary-list__row").filter(has_text="measured or validated").first
    return str(row.inner_text())


def test_the_owner_records_a_measured_baseline_and_g2_is_met(
    browser: Any, live_server: str, estimated_baseline: tuple[int, int], sign_in_as: Any
) -> None:
    work_id, benefit_id = estimated_baseline
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    try:
        owner = context.new_page()
        sign_in_as(owner, demo_email("manager"))
        owner.goto(f"/improvements/{work_id}/gate")
        waiting = _criterion(owner)
        assert f"“{TITLE}” has an estimated baseline, not a measured one" in waiting
        assert (
            "Record a measured baseline with its evidence, or have finance validate the benefit." in waiting
        )
        assert axe_violations(owner) == []
        screenshot(owner, "baseline-g2-waiting")

        owner.goto(f"/benefits/{benefit_id}")
        assert "estimated on" in owner.locator("#baseline").inner_text()
        owner.get_by_role("link", name="Change the profile").click()
        owner.get_by_label("Measured", exact=True).check()
        owner.get_by_label("Where does the baseline come from?").fill(
            "Telephony system report, calls resolved at first contact, last quarter"
        )
        owner.get_by_label("Evidence file (optional)").set_input_files(
            {"name": "telephony.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7 calls report"}
        )
        assert axe_violations(owner) == []
        screenshot(owner, "baseline-evidence-form")
        owner.get_by_role("button", name="Save changes").click()

        baseline = owner.locator("#baseline").inner_text()
        assert "measured on" in baseline
        assert "evidence: Telephony system report, calls resolved at first contact, last quarter" in baseline
        assert owner.locator("#baseline a").inner_text() == f"Baseline of {TITLE}"
        assert axe_violations(owner) == []
        screenshot(owner, "baseline-evidence")

        owner.goto(f"/improvements/{work_id}/gate")
        assert "Every benefit's baseline has been measured or validated by finance." in _criterion(owner)
        screenshot(owner, "baseline-g2-met")
    finally:
        context.close()
