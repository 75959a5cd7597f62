"""The no-dead-end crawl: for every role, every page they can open is read, and every form it offers them
is sent back as the browser would send it (the values the page drew, a valid choice in each list and
each set of radios, some words in each empty text box). None may answer 403, 404 or 500: a page offers
only what its reader may do.

Forms that end the crawler's own session (sign out, sign out everywhere) are left out, and so are the
downloads' GET forms; everything else runs inside the test's rolled-back transaction."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask

from changeauth import db
from tests.factories import UserFactory
from tests.functional.routes import url_for_route
from tests.functional.test_route_security import (  # noqa: F401 - the two fixtures
    ACCESS,
    GETS,
    PERSONAS,
    _module_samples,
    samples,
)
from tests.helpers import page, sign_in_by_session

# Forms that would end the crawler's session or switch its own account off, not dead ends.
LEFT_OUT_ACTIONS = ("/sign-out", "/account/sign-out-everywhere", "/account/two-factor/disable")
# The crawler's own data is what a page shows as a person fills it; a form that answers 403, 404 or 500
# to the values a page itself drew is a dead end.
DEAD_ENDS = (403, 404, 500)
TEXT = "Checked by the crawl of every form."


def _filled(form: Any) -> dict[str, Any]:
    """What a person would send: the page's values, the first real choice of every list and radio group,
    the first box of each group of tick boxes, and words in empty text boxes."""
    values: dict[str, Any] = {}
    radios: dict[str, str] = {}
    for control in form.select("input[name], select[name], textarea[name]"):
        name = str(control["name"])
        kind = control.get("type", "text")
        if control.name == "select":
            options = [o for o in control.select("option") if o.get("value", o.get_text())]
            chosen = [o for o in options if o.has_attr("selected")] or options[:1]
            if chosen:
                values[name] = str(chosen[0].get("value", chosen[0].get_text()))
        elif control.name == "textarea":
            values[name] = control.get_text().strip() or TEXT
        elif kind == "radio":
            if control.has_attr("checked") or name not in radios:
                radios[name] = str(control.get("value", "on"))
        elif kind == "checkbox":
            if control.has_attr("checked") or name not in values:
                values.setdefault(name, str(control.get("value", "y")))
        elif kind in ("submit", "button", "file"):
            continue
        elif kind == "date":
            values[name] = str(control.get("value", "")) or "2027-06-30"
        elif kind == "number":
            values[name] = str(control.get("value", "")) or "1"
        else:
            values[name] = str(control.get("value", "")) or (
                "1" if "amount" in name or "value" in name else TEXT
            )
    return values | radios


def _forms(html: BeautifulSoup) -> list[Any]:
    return [
        form
        for form in html.select("main form[method=post]")
        if not any(str(form.get("action", "")).endswith(action) for action in LEFT_OUT_ACTIONS)
    ]


# The route security module's samples, written once for this module too (tests/conftest.py).
pytestmark = pytest.mark.module_transaction


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_form_a_page_offers_answers_forbidden_missing_or_broken(
    app: Flask,
    samples: dict[str, Any],  # noqa: F811 - the fixture imported above
    persona: str,
) -> None:
    person = UserFactory(**({} if persona == "staff" else {persona: True}))
    db.session.commit()
    client = app.test_client()
    sign_in_by_session(client, person)
    problems = []
    sent = 0
    pages = [
        route
        for route in GETS
        if not route.is_api
        and persona in ACCESS.get(route.endpoint, frozenset())
        and "export" not in route.endpoint
    ]
    for route in pages:
        url = url_for_route(route, samples)
        response = client.get(url)
        response.close()  # downloads stream their files
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        for form in _forms(page(response)):
            action = urlsplit(str(form.get("action") or url)).path
            answer = client.post(action, data=_filled(form))
            answer.close()
            sent += 1
            if answer.status_code in DEAD_ENDS:
                problems.append(f"{route.endpoint} offers {action}, which answered {answer.status_code}")
            db.session.rollback()
    assert problems == [], "\n".join(problems)
    # Every role is offered forms (comments, support, conflicts at least): the crawl sent them.
    assert sent >= 5, f"only {sent} forms were sent for {persona}"
