"""The navigation: at most seven top-level items for every role, grouped by task, each leading to a page
the person may open; API tokens under the account, job runs under administration; a Menu button that
the script turns on for small screens (without it the navigation stays open)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from changeauth.domain.permissions import Actor
from changeauth.domain.roles import ALL_ROLES, Role
from changeauth.web.navigation import MAX_TOP_LEVEL, groups_for
from tests.factories import UserFactory
from tests.functional.routes import super_user
from tests.helpers import page

PERSONAS = {
    "staff": {},
    "manager": {"manager": True},
    "design_authority": {"design_authority": True},
    "finance": {"finance": True},
    "viewer": {"viewer": True},
    "admin": {"admin": True},
}


def _top_level(client: FlaskClient) -> list[str]:
    return [a.get_text(strip=True) for a in page(client.get("/")).select("nav.site-nav > ul > li > a")]


@pytest.mark.parametrize("role", PERSONAS)
def test_each_role_has_at_most_seven_top_level_items_and_each_opens(
    client: FlaskClient, login_as: Any, role: str
) -> None:
    user = login_as(UserFactory(**PERSONAS[role]))
    items = _top_level(client)
    assert 2 <= len(items) <= MAX_TOP_LEVEL, items
    assert items[0] == "Home"
    assert "API tokens" not in items and "Job runs" not in items and "Notifications" not in items
    for group in groups_for(user.as_actor()):
        for endpoint, label in group.pages:
            response = client.get(_url(client, endpoint))
            assert response.status_code == 200, (
                f"{role}: {label} ({endpoint}) answered {response.status_code}"
            )


def _url(client: FlaskClient, endpoint: str) -> str:
    from flask import url_for

    with client.application.test_request_context():
        return url_for(endpoint)


def test_the_counts_per_role_are_as_designed(client: FlaskClient, login_as: Any) -> None:
    counts = {}
    for role, traits in PERSONAS.items():
        login_as(UserFactory(**traits))
        counts[role] = _top_level(client)
    assert counts["staff"] == ["Home", "Ideas and improvements", "Submit an idea", "Backlog", "Decisions"]
    assert counts["design_authority"] == [
        "Home",
        "Ideas and improvements",
        "Triage",
        "Scoring",
        "Meetings",
        "Backlog",
        "Benefits",
    ]
    assert "Administration" in counts["admin"] and len(counts["admin"]) == 7


def test_someone_holding_every_role_still_gets_seven_and_every_page_stays_reachable() -> None:
    everything = Actor(id=1, roles=frozenset(ALL_ROLES))
    groups = groups_for(everything)
    assert len(groups) == MAX_TOP_LEVEL
    reachable = {endpoint for group in groups for endpoint, _ in group.pages}
    for endpoint in ("reports.dashboard_page", "scoring.index", "actions.job_runs", "portfolio.index"):
        assert endpoint in reachable


def test_the_section_shows_the_pages_of_its_task(client: FlaskClient, login_as: Any) -> None:
    login_as(super_user())
    html = page(client.get("/admin/users"))
    section = [a.get_text(strip=True) for a in html.select("nav.section-nav a")]
    assert "Job runs" in section and "Users" in section
    assert html.select_one("nav.site-nav a[aria-current]").get_text(strip=True) == "Administration"


def test_api_tokens_are_under_the_account(client: FlaskClient, login_as: Any) -> None:
    login_as(UserFactory())
    account = page(client.get("/account/"))
    assert account.find("a", string="Your API tokens")["href"] == "/profile/tokens"


def test_the_menu_button_is_there_for_the_script_and_hidden_without_it(
    client: FlaskClient, login_as: Any
) -> None:
    login_as(UserFactory(role_list=(Role.STAFF.value,)))
    html = page(client.get("/"))
    button = html.select_one("button.site-nav__toggle")
    assert button is not None and button.has_attr("hidden")
    assert button["aria-controls"] == "site-nav" and html.find(id="site-nav") is not None


@pytest.mark.parametrize("role", PERSONAS)
def test_the_lessons_log_is_in_the_ideas_section_for_everyone(
    client: FlaskClient, login_as: Any, role: str
) -> None:
    # The log was reachable only from a benefits review or a new idea's page: nobody could browse it.
    login_as(UserFactory(**PERSONAS[role]))
    html = page(client.get("/lessons/"))
    section = {a.get_text(strip=True): a["href"] for a in html.select("nav.section-nav a")}
    assert section.get("Lessons learned") == "/lessons/"
    assert html.select_one("nav.site-nav a[aria-current]").get_text(strip=True) == "Ideas and improvements"
