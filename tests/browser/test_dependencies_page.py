"""Dependencies in Chromium: the owner of an approved improvement records that it needs another one
delivered first, sees it on both improvements' pages and is warned on the gate page before starting
delivery; an independent design authority member is offered to remove it. Screenshots of the
improvement's dependencies and the gate's warning."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete, select

from changeauth import db
from changeauth.devtools.demo_data import demo_email
from changeauth.domain.lifecycle import Stage, Status
from changeauth.models import Improvement, ImprovementDependency, User
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_violations

NEEDS = "IMP-2026-9101"
NEEDED = "IMP-2026-9102"


@pytest.fixture(scope="module")
def two_improvements(live_app: Any) -> Iterator[tuple[int, int]]:
    """An approved improvement the demo manager owns, and one still at business case that it will need;
    removed afterwards (with their dependency), so no later browser test finds them in a worklist."""
    with live_app.app_context():
        db.set_write_intent(True)
        manager = db.session.scalar(select(User).where(User.email == demo_email("manager")))
        staff = db.session.scalar(select(User).where(User.email == demo_email("staff")))
        assert manager is not None and staff is not None
        made = []
        for ref, title, stage in (
            (NEEDS, "Online forms for council tax changes", Stage.APPROVED),
            (NEEDED, "A customer account for every resident", Stage.BUSINESS_CASE),
        ):
            improvement = Improvement(
                ref=ref,
                title=title,
                problem="Residents cannot tell us about changes online.",
                proposal="Build it.",
                submitter_id=staff.id,
                owner_id=manager.id,
                stage=stage,
                status=Status.ACTIVE,
            )
            db.session.add(improvement)
            made.append(improvement)
        db.session.commit()
        ids = (made[0].id, made[1].id)
        db.set_write_intent(False)
    yield ids
    with live_app.app_context():
        db.set_write_intent(True)
        db.session.execute(delete(Improvement).where(Improvement.id.in_(ids)))
        db.session.commit()
        db.set_write_intent(False)


def test_the_owner_records_a_dependency_and_the_gate_warns(
    page: Any, two_improvements: tuple[int, int], sign_in_as: Any
) -> None:
    needs_id, needed_id = two_improvements
    sign_in_as(page, demo_email("manager"))
    page.goto(f"/improvements/{needs_id}")
    assert "It needs no other improvement delivered first." in page.locator("#dependencies").inner_text()
    page.get_by_role("link", name="Record that it needs another improvement first").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Record the dependency").click()
    page.wait_for_load_state()
    assert "There is a problem" in page.locator(".error-summary").inner_text()
    page.get_by_label("Which improvement must be delivered first?").fill(NEEDED)
    page.get_by_label("Why does it need that one first?").fill(
        "Residents sign in to the forms with their customer account."
    )
    page.get_by_role("button", name="Record the dependency").click()
    page.wait_for_load_state()
    needs = page.locator("#needs-first").inner_text()
    assert NEEDED in needs and "Not delivered yet" in needs and "customer account" in needs
    assert "cannot go live" in page.locator("#dependency-warning").inner_text()
    assert axe_violations(page) == []
    page.locator("#dependencies").scroll_into_view_if_needed()
    screenshot(page, "dependencies-improvement")

    page.goto(f"/improvements/{needed_id}")
    assert NEEDS in page.locator("#needed-by").inner_text()

    page.goto(f"/improvements/{needs_id}/gate")
    warning = page.locator("#start-delivery-warning").inner_text()
    assert NEEDED in warning and "Delivery may start" in warning
    assert page.get_by_role("button", name="Start delivery").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "dependencies-gate-warning")


def test_an_independent_member_is_offered_to_remove_it(
    page: Any, live_app: Any, two_improvements: tuple[int, int], sign_in_as: Any
) -> None:
    needs_id, needed_id = two_improvements
    # The dependency the owner records in the test above, when that test ran elsewhere (another worker
    # with its own live server) or later.
    with live_app.app_context():
        db.set_write_intent(True)
        recorded = db.session.scalar(
            select(ImprovementDependency).where(ImprovementDependency.improvement_id == needs_id)
        )
        if recorded is None:
            manager = db.session.scalar(select(User).where(User.email == demo_email("manager")))
            assert manager is not None
            db.session.add(
                ImprovementDependency(
                    improvement_id=needs_id,
                    depends_on_id=needed_id,
                    reason="Residents sign in to the forms with their customer account.",
                    recorded_by_id=manager.id,
                )
            )
            db.session.commit()
        db.set_write_intent(False)
    sign_in_as(page, demo_email("design_authority_4"))
    page.goto(f"/improvements/{needs_id}")
    page.get_by_role("link", name=f"Remove the need for {NEEDED}").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Remove a dependency"
    assert axe_violations(page) == []
