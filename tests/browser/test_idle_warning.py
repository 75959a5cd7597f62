"""Warned before the idle sign-out (WCAG 2.2.1): two minutes before it a warning takes focus, one key
press keeps the session going, and the page and what was typed on it stay as they were."""

from __future__ import annotations

from typing import Any

from changeauth.devtools.demo_data import DEMO_PASSWORD, demo_email
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_accessibility import axe_violations


def test_the_idle_warning_lets_the_person_stay_signed_in_without_losing_their_typing(page: Any) -> None:
    page.clock.install()
    sign_in(page, demo_email("staff"), DEMO_PASSWORD)
    page.goto("/improvements/new")
    page.get_by_label("Title").fill("Half-typed idea")
    warning = page.locator("#idle-warning")
    assert not warning.is_visible()
    idle = int(warning.get_attribute("data-idle-seconds"))
    page.clock.run_for((idle - 130) * 1000)
    assert not warning.is_visible(), "warned too early"
    page.clock.run_for(15 * 1000)
    assert warning.is_visible()
    assert page.evaluate("document.activeElement.id") == "idle-stay"
    assert axe_violations(page) == []
    screenshot(page, "idle-warning")
    with page.expect_response(lambda response: response.url.endswith("/account/stay-signed-in")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 204
    page.wait_for_function("document.getElementById('idle-warning').hidden")
    assert page.url.endswith("/improvements/new")
    assert page.get_by_label("Title").input_value() == "Half-typed idea"
    # The countdown starts again.
    page.clock.run_for((idle - 130) * 1000)
    assert not warning.is_visible()
    page.clock.run_for(15 * 1000)
    assert warning.is_visible()


def test_without_script_the_button_returns_to_the_page(page: Any) -> None:
    sign_in(page, demo_email("staff"), DEMO_PASSWORD)
    page.goto("/improvements/")
    token = page.locator("#idle-warning input[name=csrf_token]").get_attribute("value")
    response = page.request.post(
        "/account/stay-signed-in", form={"csrf_token": token, "next": "/improvements/"}, max_redirects=0
    )
    assert response.status == 302 and response.headers["location"].endswith("/improvements/")
