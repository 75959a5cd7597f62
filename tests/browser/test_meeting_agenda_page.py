"""The meeting page in Chromium: the design authority adds improvements to the agenda, orders them with
buttons, and the page passes axe with the agenda, minutes and actions on it."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from changeauth import db
from changeauth.devtools.demo_data import demo_email
from changeauth.models import User
from changeauth.services import meetings
from changeauth.services.meeting_invitations import InvitationSettings
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_violations


def _meeting(live_app: Any) -> int:
    with live_app.app_context():
        db.set_write_intent(True)
        da = db.session.scalar(select(User).where(User.email == demo_email("design_authority_2")))
        made = meetings.create_meeting(
            actor=da,
            details=meetings.MeetingDetails(
                title="Design authority, agenda day",
                meets_on=date(2027, 5, 6),
                starts_at=time(14, 0),
                duration_minutes=90,
                location="Room 3",
                member_ids=[da.id],
            ),
            invitations=InvitationSettings(
                organiser_email="service@demo.council.example",
                organiser_name="Change authority",
                timezone="Europe/London",
                agenda_url=lambda meeting_id: f"http://localhost/meetings/{meeting_id}",
            ),
        )
        db.session.commit()
        db.set_write_intent(False)
        return made.id


def test_curating_the_agenda_in_the_browser(page: Any, live_app: Any, sign_in_as: Any) -> None:
    meeting_id = _meeting(live_app)
    sign_in_as(page, demo_email("design_authority_2"))
    page.goto(f"/meetings/{meeting_id}")
    offered = page.locator("#improvement_id option").all_inner_texts()[1:]
    assert len(offered) >= 2
    for added, label in enumerate(offered[:2], start=1):
        page.locator("#improvement_id").select_option(label=label)
        page.get_by_role("button", name="Add to the agenda").click()
        # Each add is a form post; wait for the page it ends on before choosing the next.
        expect(page.locator("section.pack-item h4")).to_have_count(added)
    second_ref = offered[1].split(":")[0]
    page.get_by_role("button", name=re.compile(rf"^Move up\W+{re.escape(second_ref)}$")).click()
    # Ready items are listed before the others, so the first in order need not be the first heading.
    moved_first = re.compile(rf"^1\. {re.escape(second_ref)}:")
    expect(page.locator("section.pack-item h4").filter(has_text=moved_first)).to_have_count(1)
    page.locator("textarea#minutes").fill("Both cases discussed; fees to come back in June.")
    page.get_by_role("button", name="Save the minutes").click()
    expect(page.locator("#minutes-text")).to_contain_text("fees to come back in June")
    assert axe_violations(page) == []
    screenshot(page, "meeting-agenda")
