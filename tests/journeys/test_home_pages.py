"""Every role's Home on the worked example, at 1280 and 375 pixels: its worklist, no WCAG violations, and
on a phone the navigation folded behind a Menu button that opens it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_accessibility import axe_violations
from tests.journeys.conftest import home_screenshots

ROLES = {
    "staff": "Your ideas",
    "manager": "Improvements you own",
    "design_authority_2": "Ideas waiting for triage",
    "finance": "Benefits waiting for your validation",
    "viewer": "The programme at a glance",
    "admin": "Your ideas",
}

# The page as served, scanned and laid out: CI runs this on SQLite only, like the other markup tests.
pytestmark = pytest.mark.markup


@pytest.mark.parametrize("role", ROLES)
def test_home_shows_the_worklist_at_both_widths_without_violations(person: Any, role: str) -> None:
    tab = person(role)
    for path in home_screenshots(tab, role):
        assert path.stat().st_size > 10_000, f"{path.name} looks empty"
    tab.goto("/")
    assert tab.get_by_role("heading", name=ROLES[role]).first.is_visible()
    assert axe_violations(tab) == []

    tab.set_viewport_size({"width": 375, "height": 800})
    tab.goto("/")
    nav = tab.get_by_role("navigation", name="Main")
    menu = tab.get_by_role("button", name="Menu")
    assert menu.is_visible() and not nav.is_visible()
    header = tab.locator("header").bounding_box()
    assert header is not None and header["height"] < 0.25 * 800, "the header takes too much of a phone"
    menu.click()
    assert nav.is_visible() and menu.get_attribute("aria-expanded") == "true"
    assert axe_violations(tab) == []
