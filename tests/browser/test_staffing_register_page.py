"""The staffing register in Chromium: the improvement's owner opens it from the benefit's page, sets the
price base and on-costs, adds the posts before and after (one out of scope), is told plainly what is wrong
with a refused post, records a pay award and sees the saving recomputed like for like; every state
passes axe."""

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


@pytest.fixture(scope="module")
def staffing_saving(live_app: Any) -> int:
    """A cashable saving on an improvement in delivery owned by the demo manager, with no register yet."""
    with live_app.app_context():
        db.set_write_intent(True)
        manager = db.session.scalar(select(User).where(User.email == demo_email("manager")))
        work = ImprovementFactory(delivery=True, owner=manager)
        benefit = BenefitFactory(
            cashable=True, improvement=work, owner=manager, title="Revenues team restructure"
        )
        db.session.commit()
        db.set_write_intent(False)
        return benefit.id


def _add_post(page: Any, *, side: str, title: str, grade: str, salary: str, fte: str, in_scope: bool) -> None:
    page.get_by_label(side).check()
    page.get_by_label("Post title").fill(title)
    page.get_by_label("Grade or pay point").fill(grade)
    page.get_by_label("Full-time annual salary at the price base").fill(salary)
    page.get_by_label("Full-time equivalent (FTE)").fill(fte)
    page.get_by_label(
        "Yes, it is part of the saving" if in_scope else "No, it is listed to show the scope"
    ).check()
    page.get_by_role("button", name="Add the post").click()


def test_the_owner_keeps_the_staffing_register(
    browser: Any, live_server: str, staffing_saving: int, sign_in_as: Any
) -> None:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    try:
        owner = context.new_page()
        sign_in_as(owner, demo_email("manager"))
        owner.goto(f"/benefits/{staffing_saving}")
        owner.get_by_role("link", name="Keep the staffing register").click()
        assert owner.locator("h1").inner_text() == "Staffing register"
        owner.get_by_role("link", name="Set the price base and on-costs").click()
        owner.get_by_label("Price base").select_option(label="2025/26")
        owner.get_by_label("Employer's National Insurance (per cent of salary)").fill("13.8")
        owner.get_by_label("Employer's pension contribution (per cent of salary)").fill("16.2")
        owner.get_by_role("button", name="Save the price base and on-costs").click()
        assert "Pay in 2025/26" in owner.locator("main").inner_text()

        owner.get_by_role("link", name="Add a post before the change").click()
        # A refused post says what is wrong in plain words and keeps what was typed.
        _add_post(
            owner,
            side="Before the change",
            title="Revenues officer",
            grade="SCP 22",
            salary="lots",
            fte="0",
            in_scope=True,
        )
        summary = owner.locator(".error-summary").inner_text()
        assert "Enter the amount using numbers only" in summary
        assert owner.get_by_label("Post title").input_value() == "Revenues officer"
        assert axe_violations(owner) == []
        screenshot(owner, "staffing-register-post-refused")
        owner.get_by_label("Full-time annual salary at the price base").fill("30,000")
        owner.get_by_label("Full-time equivalent (FTE)").fill("10")
        owner.get_by_role("button", name="Add the post").click()

        owner.get_by_role("link", name="Add a post after the change").click()
        _add_post(
            owner,
            side="After the change",
            title="Revenues officer",
            grade="SCP 22",
            salary="30,000",
            fte="7.5",
            in_scope=True,
        )
        owner.get_by_role("link", name="Add a post before the change").click()
        _add_post(
            owner,
            side="Before the change",
            title="Grant-funded welfare adviser",
            grade="SCP 18",
            salary="26,000",
            fte="2",
            in_scope=False,
        )
        # 2.5 FTE × £30,000 × 1.30 = £97,500; the grant-funded adviser is listed but not counted.
        saving = owner.locator("#staffing-saving").inner_text()
        assert "£97,500 a year from 2.5 FTE" in saving
        out_of_scope = owner.locator("#staffing-out-of-scope").inner_text()
        assert out_of_scope == "2 FTE before and 0 FTE after the change"

        owner.get_by_role("link", name="Record a pay award").click()
        owner.get_by_label("Financial year of the pay award").select_option(label="2026/27")
        owner.get_by_label("Pay award (per cent)").fill("3.2")
        owner.get_by_role("button", name="Save the pay award").click()
        assert "£100,620" in owner.locator("#staffing-year-2026").inner_text()
        assert axe_violations(owner) == []
        screenshot(owner, "staffing-register")
    finally:
        context.close()
