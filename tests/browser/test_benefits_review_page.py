"""The benefits review and the lessons log in Chromium: the owner of an improvement realising its
benefits sees a benefit behind its plan, records the review's decision on it (closed, with the causes of
the variance) and a lesson for the area it concerns; then a member of staff submits an idea in the same
area and is shown the lesson as "Lessons from earlier work". Screenshots of the review, the decision's
form and the idea's confirmation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, select

from changeauth import db
from changeauth.devtools.demo_data import demo_email
from changeauth.domain.lifecycle import Stage, Status
from changeauth.models import Benefit, BenefitDriver, BenefitMeasurement, Improvement, Lesson, Team, User
from changeauth.queries.clock import today
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_violations

REF = "IMP-2026-9201"
AREA = "Planning enforcement"
LESSON = "Ask enforcement officers before changing the visit rota"
IDEA = "Evening visits for noise complaints about building sites"


@pytest.fixture(scope="module")
def at_review(live_app: Any) -> Iterator[int]:
    """An improvement of Planning enforcement that the demo manager owns, realising its benefits, with one
    benefit measured behind its plan; removed afterwards with its benefit, decision and lessons (and the
    idea the test submits), so no later browser test finds them."""
    with live_app.app_context():
        db.set_write_intent(True)
        manager = db.session.scalar(select(User).where(User.email == demo_email("manager")))
        team = db.session.scalar(select(Team).where(Team.name == AREA))
        driver = db.session.scalar(select(BenefitDriver).order_by(BenefitDriver.id))
        assert manager is not None and team is not None and driver is not None
        improvement = Improvement(
            ref=REF,
            title="Weekend enforcement visits",
            problem="Complaints about weekend building work wait until Monday.",
            proposal="A weekend rota of enforcement officers.",
            submitter_id=manager.id,
            owner_id=manager.id,
            team_id=team.id,
            stage=Stage.REALISATION,
            status=Status.ACTIVE,
        )
        db.session.add(improvement)
        db.session.flush()
        benefit = Benefit(
            improvement_id=improvement.id,
            driver_id=driver.id,
            title="Complaints waiting over the weekend",
            cash_class="not_monetised",
            unit="complaints per month",
            direction="decrease",
            baseline_value=Decimal(120),
            baseline_date=today() - timedelta(days=300),
            target_value=Decimal(20),
            target_date=today() + timedelta(days=65),
            frequency="monthly",
            owner_id=manager.id,
        )
        benefit.reschedule(None)  # its schedule columns, before it has a measurement
        db.session.add(benefit)
        db.session.flush()
        measured = BenefitMeasurement(
            benefit_id=benefit.id,
            period_end=today() - timedelta(days=2),
            value=Decimal(70),
            recorded_by_id=manager.id,
        )
        db.session.add(measured)
        benefit.reschedule(measured)
        db.session.commit()
        improvement_id = improvement.id
        db.set_write_intent(False)
    yield improvement_id
    with live_app.app_context():
        db.set_write_intent(True)
        db.session.execute(delete(Lesson).where(Lesson.improvement_id == improvement_id))
        db.session.execute(delete(Improvement).where(Improvement.id == improvement_id))
        db.session.execute(delete(Improvement).where(Improvement.title == IDEA))
        db.session.commit()
        db.set_write_intent(False)


def test_the_owner_reviews_the_benefits_and_staff_see_the_lesson(
    page: Any, browser: Any, live_server: str, at_review: int, sign_in_as: Any
) -> None:
    sign_in_as(page, demo_email("manager"))
    page.goto(f"/improvements/{at_review}/benefits")
    page.get_by_role("link", name="The benefits review: variance, decisions and lessons").click()
    page.wait_for_load_state()
    row = page.locator("#review-table tbody tr").first.inner_text()
    # The variance in the benefit's own unit, worded by its direction (down is better here).
    assert "Complaints waiting over the weekend" in row and "No decision yet" in row
    assert "32 complaints per month behind" in row
    assert axe_violations(page) == []

    page.get_by_role("link", name=re.compile("^Record the decision")).click()
    page.wait_for_load_state()
    page.get_by_role("radio", name="Close it", exact=True).check()
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_load_state()
    errors = page.locator(".error-summary").inner_text()
    assert "Say what caused the variance: the benefit is behind its plan." in errors
    assert "Choose realised, partially realised or not realised." in errors
    page.get_by_label("What caused the variance against plan?").fill(
        "Two of the four officers on the rota left in the spring."
    )
    page.get_by_role("radio", name="Close it", exact=True).check()
    page.get_by_role("radio", name="Partially realised", exact=True).check()
    assert axe_violations(page) == []
    screenshot(page, "benefits-review-decision")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_load_state()
    row = page.locator("#review-table tbody tr").first.inner_text()
    assert "Close it" in row and "Two of the four officers" in row

    page.get_by_role("link", name="Record a lesson").click()
    page.wait_for_load_state()
    assert page.get_by_label("Which area of the council does it concern?").input_value() != ""
    page.get_by_label("Title of the lesson").fill(LESSON)
    page.get_by_label("What happened?").fill("The weekend rota was set before the officers were asked.")
    page.get_by_label("What should be done next time?").fill(
        "Agree a rota with the officers before it starts."
    )
    page.get_by_role("button", name="Record the lesson").click()
    page.wait_for_load_state()
    assert LESSON in page.inner_text("main")
    screenshot(page, "benefits-review")

    # A member of staff, in a browser of their own.
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    staff = context.new_page()
    try:
        sign_in_as(staff, demo_email("staff"))
        staff.goto("/improvements/new")
        staff.get_by_label("Title").fill(IDEA)
        staff.get_by_label("What is the problem?").fill(
            "Noise from building sites in the evening goes unchecked."
        )
        staff.get_by_label("What would you change?").fill("Evening visits by an enforcement officer.")
        staff.get_by_role("checkbox", name="Customer channel shift").check()
        staff.get_by_label("Team (optional)").select_option(label=AREA)
        staff.get_by_role("button", name="Submit idea").click()
        staff.wait_for_url(re.compile(r".*/improvements/\d+/submitted$"))
        section = staff.locator("#earlier-lessons").locator("xpath=..")
        assert staff.get_by_role("heading", name="Lessons from earlier work").is_visible()
        assert LESSON in section.inner_text()
        assert axe_violations(staff) == []
        staff.get_by_role("heading", name="Lessons from earlier work").scroll_into_view_if_needed()
        screenshot(staff, "idea-submitted-lessons")
        staff.goto("/lessons/?q=rota")
        assert LESSON in staff.inner_text("main")
    finally:
        context.close()
