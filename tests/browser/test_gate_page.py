"""The gate decision page in Chromium: it shows the business case figures and the panel's score being
decided on, choosing a meeting ticks its members as attendees, and each decision shows only the fields
it needs (conditions for a conditional go, a date for hold)."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from sqlalchemy import select

from changeauth import db
from changeauth.devtools.demo_data import demo_email
from changeauth.models import Improvement, User
from changeauth.services import meetings
from changeauth.services.meeting_invitations import InvitationSettings
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_violations

AT_G1 = "IMP-2021-0003"  # the worked example's improvement with a submitted business case


@pytest.fixture(scope="module")
def gate_and_meeting(live_app: Any) -> tuple[int, int, list[str]]:
    """The G1 improvement's id, a meeting of every design authority member, and their names."""
    with live_app.app_context():
        db.set_write_intent(True)
        users = {
            key: db.session.scalar(select(User).where(User.email == demo_email(key)))
            for key in ("design_authority", "design_authority_2", "design_authority_3")
        }
        members = [user for user in users.values() if user is not None]
        meeting = meetings.create_meeting(
            actor=users["design_authority_2"],
            details=meetings.MeetingDetails(
                title="Design authority, gate day",
                meets_on=date(2027, 3, 4),
                starts_at=time(10, 0),
                duration_minutes=60,
                location="Room 2",
                member_ids=[member.id for member in members],
            ),
            invitations=InvitationSettings(
                organiser_email="service@demo.council.example",
                organiser_name="Change authority",
                timezone="Europe/London",
                agenda_url=lambda meeting_id: f"http://localhost/meetings/{meeting_id}",
            ),
        )
        improvement_id = db.session.scalar(select(Improvement.id).where(Improvement.ref == AT_G1))
        db.session.commit()
        db.set_write_intent(False)
        assert improvement_id is not None
        return improvement_id, meeting.id, [member.name for member in members]


def test_the_gate_page_shows_the_case_and_score_and_only_the_fields_a_decision_needs(
    page: Any, gate_and_meeting: tuple[int, int, list[str]], sign_in_as: Any
) -> None:
    improvement_id, meeting_id, _names = gate_and_meeting
    sign_in_as(page, demo_email("design_authority_2"))
    page.goto(f"/improvements/{improvement_id}/gate")
    assert page.get_by_role("heading", level=1).inner_text() == "G1: approve the business case"
    facts = page.locator("#decision-facts").inner_text()
    for words in ("Net present value", "Benefit-cost ratio", "Payback", "The panel's score", "£"):
        assert words in facts, facts
    assert not page.locator("#hold_until").is_visible()
    assert not page.locator("#conditions").is_visible()
    page.get_by_role("radio", name="Go with conditions", exact=True).check()
    assert page.locator("#conditions").is_visible() and not page.locator("#hold_until").is_visible()
    page.get_by_role("radio", name="Put on hold", exact=True).check()
    assert page.locator("#hold_until").is_visible() and not page.locator("#conditions").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "gate-decision")


def test_choosing_a_meeting_ticks_its_members(
    page: Any, gate_and_meeting: tuple[int, int, list[str]], sign_in_as: Any
) -> None:
    improvement_id, meeting_id, _names = gate_and_meeting
    sign_in_as(page, demo_email("design_authority_2"))
    page.goto(f"/improvements/{improvement_id}/gate")
    boxes = page.locator("input[name=attendee_ids]")
    assert boxes.count() > 0
    assert all(not boxes.nth(n).is_checked() for n in range(boxes.count()))
    page.locator("#meeting_id").select_option(value=str(meeting_id))
    members = page.locator("[data-module=meeting-attendees]").get_attribute("data-members")
    assert members is not None
    ticked = [boxes.nth(n).get_attribute("value") for n in range(boxes.count()) if boxes.nth(n).is_checked()]
    assert ticked, "no attendee was ticked from the meeting"
