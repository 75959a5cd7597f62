"""Journey tests: one person's whole job, in Chromium through the pages only, on the worked example (the
browser tests' live server and fixtures). Each journey saves screenshots of the Home page of the roles it
plays, at 1280 and 375 pixels, in tests/journeys/artifacts/ (ignored by git)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from changeauth.devtools.demo_data import DEMO_PASSWORD, demo_email
from tests.browser.conftest import sign_in

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
WIDTHS = {"desktop": 1280, "mobile": 375}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/journeys" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def person(browser: Any, live_server: str) -> Iterator[Callable[[str], Any]]:
    """``person("staff")``: a browser tab signed in as that demo account through the sign-in form (with
    its second factor where the account has one), each in its own context. A journey is the person's
    whole job through the pages, signing in included, so it never starts from a made session cookie
    as the other browser tests may (``sign_in_as``)."""
    contexts = []

    def _open(key: str) -> Any:
        context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        tab = context.new_page()
        sign_in(tab, demo_email(key), DEMO_PASSWORD)
        return tab

    try:
        yield _open
    finally:
        for context in contexts:
            context.close()


def home_screenshots(tab: Any, name: str) -> list[Path]:
    """Open Home and save it at 1280 and 375 pixels wide; returns the files."""
    ARTIFACTS.mkdir(exist_ok=True)
    saved = []
    for label, width in WIDTHS.items():
        tab.set_viewport_size({"width": width, "height": 900})
        tab.goto("/")
        path = ARTIFACTS / f"home-{name}-{label}.png"
        tab.screenshot(path=str(path), full_page=True)
        saved.append(path)
    tab.set_viewport_size({"width": 1280, "height": 900})
    return saved


def screenshot(tab: Any, name: str) -> Path:
    """Save what the person sees now (the whole page) for a reader to open and check."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def weeks_pass_since_go_live(live_app: Any, improvement_id: int, days: int = 40) -> None:
    """The calendar moves on: the improvement went live ``days`` ago rather than today. Nothing a person
    can do in the pages stands in for waiting, and the benefits review (G3) needs a measurement for a
    period after go-live, which can be no later than today. Only the go-live decision's date moves."""
    from datetime import timedelta

    from sqlalchemy import select

    from changeauth import db
    from changeauth.domain.lifecycle import Gate
    from changeauth.models import GateDecision

    with live_app.app_context(), db.write_intent():
        decisions = db.session.scalars(
            select(GateDecision).where(
                GateDecision.improvement_id == improvement_id, GateDecision.gate == Gate.G2.value
            )
        ).all()
        assert decisions, "the improvement has not been through G2"
        for decision in decisions:
            decision.decided_at -= timedelta(days=days)
        db.session.commit()
        db.session.remove()


def the_night_passes(live_app: Any, job: str) -> None:
    """The night's scheduled run of ``job`` for today, as the scheduler would start it at dawn: nothing a
    person does in the pages stands in for it. It must run (no earlier run has claimed today)."""
    from datetime import date

    from changeauth import db
    from changeauth.jobs import get_job
    from changeauth.jobs.runner import run_job

    with live_app.app_context():
        result = run_job(get_job(job), date.today())
        db.session.remove()
    assert result.ran and not result.failed, result.as_line()
