"""A design authority member arranges a meeting, adds it to their calendar, moves it and cancels it, in
Chromium; the calendar file downloaded each time is the same event (UID) at a higher sequence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from icalendar import Calendar

from tests.browser.accessibility_plan import ROLE_ACCOUNTS
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_violations


def download_event(page: Any) -> Any:
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to your calendar (iCalendar file, .ics)").click()
    path = download_info.value.path()
    calendar = Calendar.from_ical(Path(path).read_text(encoding="utf-8"))
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_a_member_arranges_moves_and_cancels_a_meeting(page: Any, sign_in_as: Any) -> None:
    sign_in_as(page, ROLE_ACCOUNTS["design_authority"])
    page.goto("/meetings/new")
    page.get_by_label("Title").fill("Design authority, spring")
    page.get_by_label("Date").fill("2027-04-15")
    page.get_by_label("Start time").fill("14:00")
    page.get_by_label("How long").select_option(label="2 hours")
    page.get_by_label("Where (optional)").fill("Council chamber")
    screenshot(page, "meeting-arrange-form")
    page.get_by_role("button", name="Arrange meeting").click()

    page.wait_for_url("**/meetings/*")
    assert page.get_by_text("Its members have been sent a calendar invitation").is_visible()
    assert page.get_by_text("14:00 for 2 hours").is_visible()
    screenshot(page, "meeting-page-with-invitation")
    assert axe_violations(page) == []
    calendar, first = download_event(page)
    assert str(calendar["method"]) == "PUBLISH" and first["sequence"] == 0

    page.get_by_role("link", name="Change the meeting").click()
    page.get_by_label("Start time").fill("15:30")
    page.get_by_role("button", name="Save and send the update").click()
    page.wait_for_url("**/meetings/*")
    assert page.get_by_text("15:30 for 2 hours").is_visible()
    _, moved = download_event(page)
    assert str(moved["uid"]) == str(first["uid"]) and moved["sequence"] == 1

    page.get_by_role("link", name="cancel it").click()
    page.get_by_label("Reason (optional)").fill("Nothing is ready for a gate this month.")
    screenshot(page, "meeting-cancel-form")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Cancel the meeting").click()
    page.wait_for_url("**/meetings/*")
    assert page.get_by_text("This meeting was cancelled").is_visible()
    screenshot(page, "meeting-cancelled")
    calendar, cancelled = download_event(page)
    assert str(calendar["method"]) == "CANCEL" and str(cancelled["uid"]) == str(first["uid"])
    assert cancelled["sequence"] == 2 and str(cancelled["status"]) == "CANCELLED"
