"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium, never a downloaded browser)
against the app served by waitress on localhost with the worked example loaded.

The server gets a database of its own (a SQLite file, or a fresh PostgreSQL database when
CHANGEAUTH_TEST_DATABASE_URL is set), so it never disturbs the transactional tests. Without Chromium
the tests skip with a message; CHANGEAUTH_REQUIRE_BROWSER=1 turns that into a failure.

The session-wide fixtures (Chromium, the live server) live in tests/browser_fixtures.py, a plugin the
root conftest loads once, so the journeys (tests/journeys) share this worker's one browser and server
rather than starting a second Playwright in the same process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def sign_in(page: Any, email: str, password: str) -> None:
    """Sign in through the form; demo accounts that need a second factor get a code from the demo key.
    Tests that are not about signing in use ``sign_in_as`` (no form, no wait for a code)."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if page.url.endswith("/sign-in/two-factor"):
        page.get_by_label("Code").fill(demo_totp_code(email))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()


_last_step_used: dict[str, int] = {}


def demo_totp_code(email: str) -> str:
    """A code from the demo key that this account has not used yet (a code is accepted once, so a second
    sign-in within the same 30 seconds takes the next step's code, which the server also accepts)."""
    import time

    import pyotp

    from changeauth.devtools.demo_data import DEMO_TOTP_SECRET

    step = max(int(time.time()) // 30, _last_step_used.get(email, -1) + 1)
    while step > int(time.time()) // 30 + 1:
        time.sleep(1)
    _last_step_used[email] = step
    return str(pyotp.TOTP(DEMO_TOTP_SECRET).at(step * 30))


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
