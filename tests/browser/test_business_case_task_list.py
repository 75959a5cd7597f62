"""Writing a business case through its task list in Chromium, keyboard only where the step allows: each
section saved as you go, the statuses moving on, the appraisal preview updating while figures are
typed, and "Submit for review" at the end. axe finds nothing on the new pages; screenshots at 1280 and
375 px are kept with the other browser tests' artefacts."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from changeauth import db
from changeauth.devtools.demo_data import demo_email
from changeauth.domain.money import format_money
from changeauth.models import User
from tests.browser.conftest import ARTIFACTS, screenshot
from tests.browser.test_accessibility import axe_violations
from tests.factories import ImprovementFactory


@pytest.fixture(scope="module")
def improvement_id(live_app: Any) -> int:
    """An improvement at the business case stage, owned by the demo manager, with no case yet."""
    with live_app.app_context():
        db.set_write_intent(True)
        manager = db.session.scalar(select(User).where(User.email == demo_email("manager")))
        work = ImprovementFactory(business_case=True, owner=manager, title="Book bulky waste online")
        db.session.commit()
        db.set_write_intent(False)
        return int(work.id)


def _statuses(page: Any) -> dict[str, str]:
    items = page.locator(".task-list__item")
    return {
        items.nth(n).locator(".task-list__name").inner_text(): items.nth(n)
        .locator(".task-list__status")
        .inner_text()
        for n in range(items.count())
    }


def _follow(page: Any, name: str) -> None:
    """Move to a link by keyboard and press Enter on it."""
    page.get_by_role("link", name=name, exact=True).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _type_into(page: Any, label: str, text: str) -> None:
    page.get_by_label(label, exact=True).focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def _press(page: Any, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _wait_for_npv(page: Any, shown: str) -> None:
    page.wait_for_function(
        "shown => (document.querySelector('#appraisal-preview [data-figure=npv]') || {}).textContent"
        " === shown",
        arg=shown,
    )


def _figures(page: Any) -> dict[str, str]:
    cells = page.locator("#appraisal-preview dd[data-figure]")
    return {
        cells.nth(n).get_attribute("data-figure"): cells.nth(n).inner_text() for n in range(cells.count())
    }


def test_an_owner_writes_a_case_through_the_task_list_with_a_live_preview(
    page: Any, improvement_id: int, sign_in_as: Any
) -> None:
    sign_in_as(page, demo_email("manager"))
    page.goto(f"/improvements/{improvement_id}/business-case")
    _follow(page, "Write the business case")
    assert page.url.endswith(f"/improvements/{improvement_id}/business-case/tasks")
    assert set(_statuses(page).values()) == {"Not started"}
    assert page.get_by_role("button", name="Submit for review").count() == 0
    assert axe_violations(page) == []

    _follow(page, "The strategic case: problem, fit and priorities")
    _type_into(
        page, "The problem and how the change fits the council's aims", "Bookings by phone take 12 minutes."
    )
    # The improvement's own priorities start ticked; tick this one if it is not.
    priority = page.get_by_label("Excellent, customer-centred services for residents")
    if not priority.is_checked():
        priority.focus()
        page.keyboard.press("Space")
    assert priority.is_checked()
    assert axe_violations(page) == []
    _press(page, "Save and continue")
    assert _statuses(page)["The strategic case: problem, fit and priorities"] == "Completed"

    # The first option's page offers business as usual with year 0 at £0.
    _follow(page, "Options and their costs and benefits by year")
    assert page.get_by_label("Option name").input_value() == "Business as usual"
    _press(page, "Save and continue")
    assert _statuses(page)["Option 1: Business as usual"] == "Completed"

    _follow(page, "Add another option")
    _type_into(page, "Option name", "Online booking")
    _type_into(page, "Option 2, year 0 (now), capital cost", "10,000")
    _wait_for_npv(page, format_money(-1_000_000, show_pence=False))
    _type_into(page, "Option 2, year 1, cashable benefit", "6,000")
    _type_into(page, "Option 2, year 2, cashable benefit", "6,000")
    # The figures follow the typing: PV benefits £11,398 against £10,000 of cost, paid back in 1.7 years.
    _wait_for_npv(page, "£1,398")
    assert _figures(page) == {"npv": "£1,398", "bcr": "1.14", "payback": "1.7 years"}
    assert axe_violations(page) == []
    screenshot(page, "business-case-option-1280")
    page.set_viewport_size({"width": 375, "height": 812})
    screenshot(page, "business-case-option-375")
    page.set_viewport_size({"width": 1280, "height": 900})

    # A refused figure names the option, year and column, and keeps what was typed.
    _type_into(page, "Option 2, year 3, revenue cost", "a lot")
    _press(page, "Save and continue")
    summary = page.locator(".error-summary a").first
    assert summary.inner_text() == (
        "Option 2 (Online booking), year 3, revenue cost: "
        "Enter the amount using numbers only, for example £1,234.50."
    )
    assert page.get_by_label("Option 2, year 3, revenue cost").input_value() == "a lot"
    assert axe_violations(page) == []
    _type_into(page, "Option 2, year 3, revenue cost", "")
    page.keyboard.press("Backspace")
    _press(page, "Save and continue")
    assert _statuses(page)["Option 2: Online booking"] == "Completed"

    _follow(page, "The preferred option and appraisal settings")
    page.get_by_label("Option 2: Online booking").focus()
    page.keyboard.press("Space")
    _type_into(page, "Why this option is preferred", "It pays back within two years.")
    assert axe_violations(page) == []
    _press(page, "Save and continue")

    # The commercial, financial and management cases, each a page saved as you go.
    _follow(page, "The commercial case: procurement and the deal")
    _type_into(page, "Procurement route", "In house, on the council's forms platform.")
    assert axe_violations(page) == []
    _press(page, "Save and continue")
    _follow(page, "The financial case: affordability and funding")
    _type_into(page, "Line 1, financial year", "2026")
    _type_into(page, "Line 1, capital", "10,000")
    _type_into(page, "Line 1, funding source", "Digital transformation reserve")
    _type_into(page, "Line 2, capital", "500")
    _press(page, "Save and continue")
    # A line without a year or source is refused by its boxes, and what was typed is kept.
    assert "Line 2: Say where this money comes from" in page.locator(".error-summary").inner_text()
    assert axe_violations(page) == []
    _type_into(page, "Line 2, capital", "")
    page.keyboard.press("Backspace")
    _press(page, "Save and continue")
    assert _statuses(page)["The financial case: affordability and funding"] == "Completed"
    _follow(page, "The management case: delivery, benefits and evaluation")
    _type_into(page, "Who delivers", "The waste team with digital services.")
    _type_into(page, "Benefits realisation", "The waste manager counts bookings each month.")
    assert axe_violations(page) == []
    _press(page, "Save and continue")

    _follow(page, "Risks, including local government reform")
    _type_into(page, "Risks", "Take-up may be slow.")
    _type_into(page, "Local government reform risk", "A successor council can keep the form.")
    assert axe_violations(page) == []
    _press(page, "Save and continue")

    assert set(_statuses(page).values()) == {"Completed"}
    assert axe_violations(page) == []
    screenshot(page, "business-case-tasks-1280")
    page.set_viewport_size({"width": 375, "height": 812})
    screenshot(page, "business-case-tasks-375")
    page.set_viewport_size({"width": 1280, "height": 900})
    _press(page, "Submit for review")
    assert "Submitted" in page.locator(".tag").first.inner_text()
    # The case page words the economic case: against business as usual, switching values, what-ifs.
    sensitivity = page.locator("#sensitivity")
    assert "before this option costs more than it returns" in sensitivity.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "business-case-economic-1280")
    sensitivity.screenshot(path=str(ARTIFACTS / "business-case-sensitivity-1280.png"))
