"""Session-wide browser fixtures shared by tests/browser and tests/journeys: Debian's Chromium driven by
Playwright, and the app with the worked example served by waitress on a database of its own.

Loaded once as a plugin by tests/conftest.py. Were each folder's conftest to define (or import) them,
pytest would hold two copies per worker: two Playwright instances in one process (the second refuses to
start inside the first's event loop) and two live servers asking for the same database name.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
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
    from changeauth.cli.seed import load_reference
    from changeauth.devtools.worked_example import load_demo

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


@pytest.fixture(scope="session")
def sign_in_as(live_server: str, live_app: Any) -> Callable[[Any, str], None]:
    """``sign_in_as(page, email)``: signed in on the live server without the form, then on Home.

    The page's browser context gets the session cookie a completed sign-in (password and second factor)
    gives, written by the served app's own session interface as ``login_as`` writes the test client's, so
    the server checks it as it checks any other. For the tests that are not about signing in: the form
    costs three pages and a password hash, and for an account with a second factor up to 30 s of waiting
    for a code it has not used (``demo_totp_code``). The tests of signing in go through the form (in
    tests/browser: test_journeys.py, test_second_factor.py, test_keyboard_journeys.py and
    test_idle_warning.py), and so do the journeys in tests/journeys, each a person's whole job.
    """
    from sqlalchemy import select

    from changeauth import db
    from changeauth.models import User
    from tests.helpers import sign_in_by_session

    def _sign_in(page: Any, email: str) -> None:
        client = live_app.test_client()
        with live_app.app_context():
            user = db.session.scalar(select(User).where(User.email == email))
            assert user is not None, f"no account {email} on the live server"
            sign_in_by_session(client, user)
            db.session.remove()
        cookie = client.get_cookie(live_app.config["SESSION_COOKIE_NAME"])
        assert cookie is not None, "the session cookie was not written"
        page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server}])
        page.goto("/")
        page.wait_for_load_state()
        assert "/sign-in" not in page.url, f"{email} is not signed in: {page.url}"

    return _sign_in
