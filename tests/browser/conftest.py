"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium, never a downloaded browser)
against the app served by waitress on localhost with the worked example loaded.

The server gets a database of its own (a SQLite file, or a fresh PostgreSQL database when
CHANGEAUTH_TEST_DATABASE_URL is set), so it never disturbs the transactional tests. Without Chromium
the tests skip with a message; CHANGEAUTH_REQUIRE_BROWSER=1 turns that into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live_server import own_database, serving

CHROMIUM = os.environ.get("CHANGEAUTH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        message = (
            f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium); browser tests skipped"
        )
        if os.environ.get("CHANGEAUTH_REQUIRE_BROWSER") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(
    chromium_path: str, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Iterator[str]:
    """The app with the worked example, served by waitress on a database of its own."""
    from changeauth.cli.seed import load_demo, load_reference

    def prepare(_app: object) -> None:
        load_reference()
        load_demo()

    tmp = tmp_path_factory.mktemp("live")
    with (
        own_database(tmp, f"browser_{worker_id}") as url,
        serving(url, tmp / "instance", prepare=prepare) as (base, served_app),
    ):
        _LIVE_APPS[base] = served_app
        yield base


# The app behind each live server, by its base URL, for tests that read ids from its database.
_LIVE_APPS: dict[str, Any] = {}


@pytest.fixture(scope="session")
def live_app(live_server: str) -> Any:
    """The Flask app serving ``live_server``: use ``with live_app.app_context():`` to read its database."""
    return _LIVE_APPS[live_server]


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def sign_in(page: Any, email: str, password: str) -> None:
    """Sign in through the form; demo accounts that need a second factor get a code from the demo key."""
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

    from changeauth.services.demo_data import DEMO_TOTP_SECRET

    step = max(int(time.time()) // 30, _last_step_used.get(email, -1) + 1)
    while step > int(time.time()) // 30 + 1:
        time.sleep(1)
    _last_step_used[email] = step
    return str(pyotp.TOTP(DEMO_TOTP_SECRET).at(step * 30))


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
