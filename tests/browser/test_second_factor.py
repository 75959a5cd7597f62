"""In a real browser: a demo design authority member signs in with the password and then a code from the
published demo key, and an administrator's account page shows the second factor as set up."""

from __future__ import annotations

from typing import Any

from changeauth.devtools.demo_data import DEMO_PASSWORD, demo_email
from tests.browser.conftest import sign_in


def test_a_design_authority_member_gives_a_code_after_the_password(page: Any) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(demo_email("design_authority"))
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/sign-in/two-factor")
    assert page.get_by_role("heading", level=1).inner_text() == "Enter your code"
    page.goto("/")  # not signed in yet: back to the sign-in page
    assert "/sign-in" in page.url
    sign_in(page, demo_email("design_authority"), DEMO_PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")
    # Signed in as a design authority member: the main navigation offers triage (Home's worklist may too).
    navigation = page.get_by_role("navigation", name="Main")
    assert navigation.get_by_role("link", name="Triage", exact=True).is_visible()


def test_the_account_page_shows_the_second_factor(page: Any) -> None:
    sign_in(page, demo_email("admin"), DEMO_PASSWORD)
    page.goto("/account/")
    assert "Authenticator app, set up" in page.locator("#second-factor-status").inner_text()
