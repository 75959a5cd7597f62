"""A subject access request answered through the pages, in Chromium (issue 25): a member of staff submits
an idea anonymously; an administrator finds them under Users, opens the printable copy of their data
(which holds the anonymous idea and has no WCAG violations) and downloads the JSON file; the privacy
notice, reached from the footer, says how to ask."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from changeauth import db
from changeauth.devtools.demo_data import demo_email
from changeauth.models import User
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_violations

TITLE = "Quiet room for staff who work on the phones all day"


def _submit_anonymously(page: Any, sign_in_as: Any) -> None:
    sign_in_as(page, demo_email("staff"))
    page.goto("/improvements/new")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("What is the problem?").fill("Call handlers have nowhere quiet to take a break.")
    page.get_by_label("What would you change?").fill("Turn the small store room into a quiet room.")
    page.locator("input[name=benefit_drivers]").first.check()
    page.get_by_label("Submit anonymously").check()
    page.get_by_role("button", name="Submit idea").click()
    page.wait_for_url(re.compile(r".*/improvements/\d+/submitted$"))
    page.get_by_role("button", name="Sign out").click()


def test_an_admin_answers_a_subject_access_request_through_the_pages(
    page: Any, live_app: Any, sign_in_as: Any
) -> None:
    _submit_anonymously(page, sign_in_as)
    with live_app.app_context():
        name = db.session.scalar(select(User.name).where(User.email == demo_email("staff")))
        db.session.remove()

    # The person reads the privacy notice from the footer to learn how to ask.
    page.goto("/sign-in")
    page.locator("footer").get_by_role("link", name="Privacy notice").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Privacy notice for Change authority"
    assert "How to ask for your information" in page.inner_text("main")
    screenshot(page, "privacy-notice")

    sign_in_as(page, demo_email("admin"))
    page.get_by_role("link", name="Administration").first.click()
    page.get_by_role("link", name="Users").first.click()
    page.get_by_role("link", name=name, exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == name
    screenshot(page, "subject-access-person")

    page.get_by_role("button", name="Show a printable copy of their data").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == f"Personal data held about {name}"
    main = page.inner_text("main")
    assert TITLE in main and demo_email("staff") in main
    record = page.locator("h3", has_text=TITLE).locator("xpath=following-sibling::dl[1]")
    anonymous = record.locator(".summary-list__row", has_text="Submitted anonymously").locator("dd")
    assert anonymous.inner_text() == "Yes"
    screenshot(page, "subject-access-export")
    assert axe_violations(page) == []

    page.go_back()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download their data as a JSON file").click()
    download = download_info.value
    assert download.suggested_filename.startswith("personal-data-") and download.suggested_filename.endswith(
        ".json"
    )
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["account"]["email"] == demo_email("staff")
    assert any(idea["title"] == TITLE and idea["anonymous"] for idea in data["ideas"])

    # Both exports are in the audit log, which the administrator reads next.
    page.goto("/audit")
    assert page.get_by_role("cell", name="Personal data exported (subject access)").count() >= 2


def test_an_admin_anonymises_a_leaver_through_the_pages(page: Any, live_app: Any, sign_in_as: Any) -> None:
    from changeauth.services import users as user_service

    with live_app.app_context(), db.write_intent():
        leaver = user_service.create_user(
            email="jo.leaving@demo.council.example", name="Jo Leaving", roles=["staff", "design_authority"]
        )
        user_service.deactivate_user(leaver, actor_id=None)
        leaver_id = leaver.id
        db.session.commit()
        db.session.remove()

    sign_in_as(page, demo_email("admin"))
    page.goto(f"/admin/users/{leaver_id}")
    assert "Switched off on" in page.inner_text("main")
    assert axe_violations(page) == []
    screenshot(page, "leaver-before-anonymising")
    page.get_by_label("Also replace their name and email").check()
    page.get_by_role("button", name="Anonymise this account now").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "A former design authority member"
    main = page.inner_text("main")
    assert "has been anonymised" in main and "Jo Leaving" not in main and "jo.leaving" not in main
    # An anonymised account is not offered for renaming: that would undo the anonymising.
    assert page.get_by_role("link", name="Change name, roles or team").count() == 0
    screenshot(page, "leaver-anonymised")
