"""The accessibility statement (issue 11): public, linked from every page's footer, and in the UK public
sector's model format."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.factories import UserFactory
from tests.functional.test_headers import assert_security_headers
from tests.helpers import page

# The sections of the model statement, in order.
SECTIONS = [
    "How accessible this service is",
    "Feedback and contact information",
    "Reporting accessibility problems with this service",
    "Enforcement procedure",
    "Technical information about this service’s accessibility",
    "Compliance status",
    "Non-accessible content",
    "What we are doing to improve accessibility",
    "Preparation of this accessibility statement",
]


def test_anyone_can_read_it_without_signing_in(client: FlaskClient) -> None:
    response = client.get("/accessibility")
    assert response.status_code == 200
    assert_security_headers(response)
    html = page(response)
    assert html.h1.get_text(strip=True) == "Accessibility statement for Change authority"
    assert html.title.get_text().startswith("Accessibility statement")


def test_it_has_every_section_of_the_model_statement_in_order(client: FlaskClient) -> None:
    html = page(client.get("/accessibility"))
    headings = [h.get_text(strip=True) for h in html.select("main h2, main h3")]
    assert [h for h in headings if h in SECTIONS] == SECTIONS
    # Headings go down one level at a time: h1, then h2, h3 and h4 beneath.
    levels = [int(h.name[1]) for h in html.select("main h1, main h2, main h3, main h4")]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


def test_it_names_the_enforcement_bodies_and_the_standard(client: FlaskClient) -> None:
    text = page(client.get("/accessibility")).main.get_text(" ", strip=True)
    assert "Equality and Human Rights Commission (EHRC)" in text
    assert "Equality Advisory and Support Service (EASS)" in text
    assert "Equality Commission for Northern Ireland" in text
    assert (
        "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018"
        in text
    )
    assert "partially compliant with the Web Content Accessibility Guidelines version 2.2 AA standard" in text
    assert "2.2.1" in text  # the known failure is named by its success criterion


def test_it_says_when_and_how_it_was_prepared_and_tested(client: FlaskClient) -> None:
    text = page(client.get("/accessibility")).main.get_text(" ", strip=True)
    assert re.search(r"This statement was prepared on \d{1,2} \w+ 20\d\d\.", text)
    assert re.search(r"last tested on \d{1,2} \w+ 20\d\d", text)
    assert "axe-core 4.12.1" in text and "Chromium" in text
    assert "keyboard alone" in text


def test_it_uses_the_councils_name(app: Any, client: FlaskClient, monkeypatch: Any) -> None:
    monkeypatch.setitem(app.config, "ORG_NAME", "Example District Council")
    text = page(client.get("/accessibility")).main.get_text(" ", strip=True)
    assert "Example District Council runs this service." in text


def _footer_link(response: Any) -> Any:
    return page(response).select_one("footer a[href='/accessibility']")


def test_the_footer_links_to_it_signed_out_and_signed_in(client: FlaskClient, login_as: Any) -> None:
    assert _footer_link(client.get("/sign-in")).get_text(strip=True) == "Accessibility statement"
    assert _footer_link(client.get("/no-such-page")) is not None  # error pages too
    login_as(UserFactory())
    for url in ("/", "/improvements/new", "/accessibility"):
        assert _footer_link(client.get(url)) is not None, url
