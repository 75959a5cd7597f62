"""Plain words on every page: each role opens every page it may on the worked example, and no page shows
a code meant for the machine — a snake_case name (``measured_after_go_live``, ``strategic_priority``) or
a state's stored value standing alone where words belong (``recycle`` in a table cell).

The pages and their sample ids are the accessibility scan's (tests/browser/accessibility_plan.py), so a
new page is crawled here too without being listed.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from changeauth import db
from changeauth.domain import benefits, business_cases, lifecycle, portfolio, scoring, temporary_resources
from changeauth.services.users import API_TOKEN_PREFIX
from tests.browser.accessibility_plan import ROLE_ACCOUNTS, _add_and_read_samples, page_urls
from tests.helpers import page, sign_in_by_session

SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")

# Stored values of the states a page shows; one standing alone in an element is a code shown as is.
ENUMS: tuple[type[StrEnum], ...] = (
    lifecycle.Stage,
    lifecycle.Status,
    lifecycle.Route,
    lifecycle.Decision,
    lifecycle.Action,
    benefits.Frequency,
    benefits.BenefitDirection,
    benefits.CashClass,
    benefits.ClosingStatus,
    benefits.DataQuality,
    benefits.AdjustmentCategory,
    benefits.Staleness,
    business_cases.CaseKind,
    business_cases.CaseStatus,
    portfolio.Objective,
    portfolio.CostBasis,
    scoring.ScoreStatus,
    temporary_resources.ResourceKind,
    temporary_resources.ResourceStatus,
)
CODES = frozenset(member.value for enum in ENUMS for member in enum)

# Text that looks like a code but is what a person types or reads: email addresses and the like are
# removed before the check; nothing else is excused.
EMAIL = re.compile(r"\S+@\S+")
# The shown beginning of an API token ("ca_s960-QE…") is random and is how a person recognises their token.
API_TOKEN = re.compile(re.escape(API_TOKEN_PREFIX) + r"[A-Za-z0-9_-]+")


def codes_shown(html: str) -> list[str]:
    """The codes a person would read on the page: snake_case words anywhere in the text, and stored state
    values that are the whole text of an element."""
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "template", "noscript"]):
        hidden.decompose()
    # Form values and option values are for the machine; the labels the person reads are text.
    found = []
    text = API_TOKEN.sub(" ", EMAIL.sub(" ", soup.get_text(" ")))
    found += [f"snake_case {word!r}" for word in SNAKE_CASE.findall(text)]
    # The service is called by its configured name, never by the software's.
    if re.search(r"\bchangeauth\b", text, re.IGNORECASE):
        found.append("the software's name 'changeauth'")
    for element in soup.find_all(
        ["td", "th", "dd", "dt", "li", "strong", "span", "p", "a", "option", "h1", "h2"]
    ):
        own = element.get_text(" ", strip=True)
        if own in CODES and own.lower() == own:
            found.append(f"state value {own!r} in <{element.name}>")
    return sorted(set(found))


def test_codes_shown_finds_a_code_and_passes_plain_words() -> None:
    assert codes_shown("<p>Refused: measured_after_go_live</p>") == ["snake_case 'measured_after_go_live'"]
    assert codes_shown("<table><tr><td>recycle</td></tr></table>") == ["state value 'recycle' in <td>"]
    assert codes_shown("<p>Ask for more information</p><p>sam_lee@example.org</p>") == []
    assert codes_shown("<title>Home – changeauth</title>") == ["the software's name 'changeauth'"]


@pytest.fixture
def samples(app: Flask, db_session: Any) -> dict[str, Any]:
    from changeauth.devtools.worked_example import load_demo

    db.set_write_intent(True)
    load_demo()
    found = _add_and_read_samples()
    db_session.commit()
    db.set_write_intent(False)
    return found


def test_no_page_shows_a_code_to_any_role(client: FlaskClient, samples: dict[str, Any]) -> None:
    from sqlalchemy import select

    from changeauth.models import User

    problems: list[str] = []
    for role, email in ROLE_ACCOUNTS.items():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        sign_in_by_session(client, user)
        for endpoint, url in page_urls(samples, signed_in=True):
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            problems += [
                f"{role} {url} ({endpoint}): {code}" for code in codes_shown(response.get_data(as_text=True))
            ]
    assert problems == [], "\n".join(problems)


# --- the audit log: names, links and filters, never internal ids ----------------------------------------


def _audit_rows(response: Any) -> list[str]:
    return [tr.get_text(" ", strip=True) for tr in page(response).select("main table tbody tr")]


def test_the_audit_log_names_people_and_subjects_and_links_them(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    from changeauth.services import improvements
    from tests.factories import UserFactory

    submitter = UserFactory(name="Priya Shah")
    db.set_write_intent(True)
    idea = improvements.submit_idea(
        submitter,
        title="Texts before bin collections",
        problem="Missed bins.",
        proposal="Send a text the night before.",
        driver_codes=["channel_shift"],
    )
    db_session.commit()
    db.set_write_intent(False)
    login_as(UserFactory(viewer=True))
    response = client.get("/audit")
    rows = _audit_rows(response)
    assert any("Idea submitted" in row and "Priya Shah" in row and idea.ref in row for row in rows), rows
    link = page(response).select_one(f"main table a[href='/improvements/{idea.id}']")
    assert link is not None and idea.title in link.get_text()
    assert codes_shown(response.get_data(as_text=True)) == []
    # One subject's history, reached from the row.
    history = client.get(f"/audit?subject_type=improvement&subject_id={idea.id}")
    assert all(idea.ref in row for row in _audit_rows(history))
    # Filtered to one kind of subject.
    users_only = _audit_rows(client.get("/audit?subject_type=user"))
    assert not any(idea.ref in row for row in users_only)


def test_an_anonymous_submitter_stays_anonymous_in_the_audit_log_except_to_administrators(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    from changeauth.services import improvements
    from tests.factories import UserFactory

    submitter = UserFactory(name="Quiet Person")
    db.set_write_intent(True)
    improvements.submit_idea(
        submitter,
        title="Anonymous suggestion box",
        problem="People fear speaking up.",
        proposal="Let them submit without a name.",
        driver_codes=["channel_shift"],
        is_anonymous=True,
    )
    db_session.commit()
    db.set_write_intent(False)
    login_as(UserFactory(viewer=True))
    viewer_text = page(client.get("/audit")).select_one("main").get_text(" ", strip=True)
    assert "Quiet Person" not in viewer_text
    assert "The submitter (anonymous)" in viewer_text
    # A viewer cannot filter by person either (that would name the anonymous submitter by elimination).
    assert "Quiet Person" not in page(client.get(f"/audit?actor_id={submitter.id}")).get_text()
    login_as(UserFactory(admin=True))
    admin_page = client.get(f"/audit?actor_id={submitter.id}")
    assert "Quiet Person" in page(admin_page).select_one("main table").get_text()
