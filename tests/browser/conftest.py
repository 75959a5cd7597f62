"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium, never a downloaded browser)
against the app served by waitress on localhost with the worked example loaded.

The server gets a database of its own (a SQLite file, or a fresh PostgreSQL database when
CHANGEAUTH_TEST_DATABASE_URL is set), so it never disturbs the transactional tests. Without Chromium
the tests skip with a message; CHANGEAUTH_REQUIRE_BROWSER=1 turns that into a failure.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command

from changeauth import create_app, db
from changeauth.cli.migrations import alembic_config
from tests.conftest import TEST_SECRET_KEY, _fresh_postgres_database

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
def live_database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    pg = os.environ.get("CHANGEAUTH_TEST_DATABASE_URL")
    if pg:
        with _fresh_postgres_database(pg, f"browser_{worker_id}") as url:
            yield url
        return
    yield f"sqlite:///{tmp_path_factory.mktemp('live') / 'changeauth-live.db'}"


@pytest.fixture(scope="session")
def live_server(
    chromium_path: str, live_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app with the worked example, served by waitress in a background thread."""
    from waitress.server import create_server

    from changeauth.cli.seed import load_demo, load_reference

    command.upgrade(alembic_config(live_database_url), "head")
    app = create_app(
        {
            "ENV_NAME": "demo",
            "DATABASE_URL": live_database_url,
            "SECRET_KEY": TEST_SECRET_KEY,
            "INSTANCE_PATH": tmp_path_factory.mktemp("live-instance"),
        }
    )
    with app.app_context():
        db.set_write_intent(True)
        load_reference()
        load_demo()
        db.session.commit()
        db.set_write_intent(False)
    port = _free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        db.get_engine(app).dispose()


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
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
