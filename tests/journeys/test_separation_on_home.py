"""A design authority member who sponsors work, through the pages only: Home lists as ready to decide only
what they are independent of, shows what waits for another member and why, and the gate and scoring pages
say the same; another member's Home offers that work to decide."""

from __future__ import annotations

from typing import Any

from tests.browser.test_accessibility import axe_violations
from tests.journeys.conftest import home_screenshots, screenshot
from tests.journeys.steps import main_text


def _rows(tab: Any, table_label: str) -> list[str]:
    table = tab.locator(f"table[aria-labelledby='{table_label}'] tbody tr")
    return [" ".join(text.split()) for text in table.all_inner_texts()]


def test_a_sponsoring_member_sees_what_they_may_decide_and_what_waits_for_another(person: Any) -> None:
    dana = person("design_authority")  # sponsors most of the worked example's improvements
    home_screenshots(dana, "design_authority-separation")
    dana.goto("/")
    others = _rows(dana, "gates-others-heading")
    assert others, "the sponsor's Home lists nothing waiting for another member"
    assert all("Waiting for another member: you " in row for row in others)
    assert any("you sponsor it" in row for row in others)
    sponsored_row = next(row for row in others if "you sponsor it" in row)
    sponsored = sponsored_row.split(":")[0]  # its reference
    assert not any(row.startswith(sponsored) for row in _rows(dana, "gates-heading"))
    assert "Ready to decide" not in " ".join(others)
    assert axe_violations(dana) == []

    dana.locator("table[aria-labelledby='gates-others-heading'] tbody tr a", has_text=sponsored).click()
    assert "Waiting for another member: you sponsor it" in main_text(dana)
    assert dana.get_by_role("button", name="Record decision").count() == 0
    screenshot(dana, "gate-waiting-for-another-member")

    dana.goto("/scoring/")
    text = main_text(dana)
    assert "Waiting for other members' scores" in text and "you sponsor it" in text
    screenshot(dana, "scoring-waiting-for-other-members")

    devi = person("design_authority_2")  # independent of the work Dana sponsors
    devi.goto("/")
    assert any(row.startswith(sponsored) for row in _rows(devi, "gates-heading"))
    screenshot(devi, "home-independent-member")

    # The latest meeting only triaged ideas: its record lists them, with who decided each.
    devi.goto("/meetings")
    links = [link.get_attribute("href") for link in devi.locator("main li a").all()]
    for href in links:
        devi.goto(str(href))
        text = main_text(devi)
        if "Nothing at a later gate was on the agenda" in text:
            break
    assert "Ideas triaged" in text and "Nothing was on the agenda" not in text
    assert "G0: decide what to do with the idea" in text and "Decided by Devi Authority." in text
    screenshot(devi, "meeting-that-triaged")
