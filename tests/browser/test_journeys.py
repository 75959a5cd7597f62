"""First journeys in a real browser: sign in, see the worked example, submit an idea by keyboard."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from changeauth.devtools.demo_data import DEMO_PASSWORD, demo_email
from tests.browser.conftest import screenshot, sign_in


def test_a_demo_user_signs_in_and_sees_the_example_improvements(page: Any) -> None:
    sign_in(page, demo_email("staff"), DEMO_PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")
    page.get_by_role("link", name="Ideas and improvements").click()
    expect(page.get_by_role("link", name="Career progression framework")).to_be_visible()
    page.get_by_role("link", name="Career progression framework").click()
    assert "IMP-2021-0002" in page.inner_text("main")
    screenshot(page, "improvement-detail-desktop")


def test_a_wrong_password_shows_the_error_summary(page: Any) -> None:
    sign_in(page, demo_email("staff"), "not the password")
    summary = page.locator(".error-summary")
    assert "The email address or password is not right." in summary.inner_text()


def test_submit_an_idea_with_the_keyboard_only(page: Any) -> None:
    sign_in(page, demo_email("staff"), DEMO_PASSWORD)
    page.goto("/improvements/new")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.get_by_label("Title").focus()
    page.keyboard.type("Text reminders for bin collections")
    page.keyboard.press("Tab")
    page.keyboard.type("Residents miss collections and phone us.")
    page.keyboard.press("Tab")
    page.keyboard.type("Send a text the evening before.")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # skip the optional expected effect
    page.keyboard.press("Space")  # the first benefit driver
    page.get_by_role("button", name="Submit idea").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/improvements/\d+/submitted$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Idea submitted"
    assert re.fullmatch(r"IMP-\d{4}-\d{4}", page.locator("#reference").inner_text())


def test_the_sign_in_page_reflows_at_320_pixels(page: Any) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/sign-in")
    overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    assert overflow is False
    screenshot(page, "sign-in-mobile")
