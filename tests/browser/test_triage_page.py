"""The triage page in Chromium: each decision asks only its own question (revealed under it, and all
shown without script), merging is a choice from the similar work shown, the page says who submitted the
idea, when and from which team, and deciding leads to the next idea waiting."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from changeauth import db
from changeauth.devtools.demo_data import demo_email
from changeauth.models import Improvement, User
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_violations

TITLES = ("Online booking for bulky waste collections", "Online booking for bulky waste collection slots")


@pytest.fixture(scope="module")
def two_ideas(live_app: Any) -> list[tuple[int, str]]:
    """Two similar ideas from the demo's member of staff, waiting for triage (oldest first)."""
    from changeauth.services import improvements

    with live_app.app_context():
        db.set_write_intent(True)
        staff = db.session.scalar(select(User).where(User.email == demo_email("staff")))
        made = [
            improvements.submit_idea(
                staff,
                title=title,
                problem="Residents phone to book a bulky waste collection and wait on hold.",
                proposal="Let them book and pay online, choosing a slot.",
                driver_codes=["channel_shift"],
                team_code=None,
            )
            for title in TITLES
        ]
        db.session.commit()
        db.set_write_intent(False)
        return [(idea.id, idea.ref) for idea in made]


def _visible(page: Any, selector: str) -> bool:
    return bool(page.locator(selector).is_visible())


def test_each_decision_reveals_only_its_own_question(
    page: Any, two_ideas: list[tuple[int, str]], sign_in_as: Any
) -> None:
    first_id, _ref = two_ideas[0]
    sign_in_as(page, demo_email("design_authority_2"))
    page.goto(f"/triage/{first_id}")
    summary = page.locator("#idea-summary").inner_text()
    assert "Submitted by" in summary and "Submitted on" in summary and "Team" in summary
    for selector in ("#owner_id", "#quick_win_owner_id", "#duplicate_of", "#hold_until"):
        assert not _visible(page, selector), f"{selector} shows before any decision is chosen"
    page.get_by_role("radio", name="Go", exact=True).check()
    assert _visible(page, "#owner_id") and not _visible(page, "#hold_until")
    page.get_by_role("radio", name="Quick win", exact=True).check()
    assert _visible(page, "#quick_win_owner_id") and not _visible(page, "#owner_id")
    page.get_by_role("radio", name="Put on hold", exact=True).check()
    assert _visible(page, "#hold_until") and not _visible(page, "#quick_win_owner_id")
    page.get_by_role("radio", name="Merge with other work", exact=True).check()
    assert _visible(page, "#duplicate_of") and not _visible(page, "#hold_until")
    # The similar work is offered to merge into.
    assert page.get_by_role("radio", name=TITLES[1], exact=False).is_visible()
    assert axe_violations(page) == []
    screenshot(page, "triage-merge-revealed")


def test_without_script_every_question_is_shown(
    browser: Any, live_server: str, two_ideas: list, sign_in_as: Any
) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        tab = context.new_page()
        sign_in_as(tab, demo_email("design_authority_2"))
        tab.goto(f"/triage/{two_ideas[0][0]}")
        for selector in ("#owner_id", "#quick_win_owner_id", "#duplicate_of", "#hold_until"):
            assert tab.locator(selector).is_visible(), selector
    finally:
        context.close()


def test_merging_by_choosing_similar_work_then_the_next_idea(
    page: Any, live_app: Any, two_ideas: list[tuple[int, str]], sign_in_as: Any
) -> None:
    (first_id, first_ref), (second_id, second_ref) = two_ideas
    sign_in_as(page, demo_email("design_authority_2"))
    page.goto(f"/triage/{second_id}")
    page.get_by_role("radio", name="Merge with other work", exact=True).check()
    page.get_by_role("radio", name=f"{first_ref}: {TITLES[0]}").check()
    page.locator("#rationale").fill("The same as the earlier booking idea.")
    # A stray hold date typed under another decision is not read.
    page.get_by_role("radio", name="Put on hold", exact=True).check()
    page.locator("#hold_until").fill("2020-01-01")
    page.get_by_role("radio", name="Merge with other work", exact=True).check()
    page.get_by_role("button", name="Record decision").click()
    assert (
        "Decision recorded for " + second_ref
        in page.locator(".notification, [role=status]").first.inner_text()
    )
    # On to the next idea waiting, not back to the queue.
    assert "/triage/" in page.url and not page.url.endswith("/triage/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Triage: ")
    with live_app.app_context():
        merged = db.session.get(Improvement, second_id)
        assert merged is not None and merged.stage == "merged" and merged.duplicate_of_id == first_id
