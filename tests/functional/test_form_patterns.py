"""Forms follow the GOV.UK Design System's error pattern in the app's own markup (issue 11): an error
summary at the top whose links lead to the fields, each message next to its field and named by the field's
aria-describedby, ids unique, "Error: " in the title, and what was typed kept."""

from __future__ import annotations

from collections import Counter
from typing import Any

from bs4 import BeautifulSoup
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, HiddenField, RadioField, SelectChoice, StringField
from wtforms import Form as PlainForm

from tests.factories import ImprovementFactory, UserFactory
from tests.helpers import page

FIELDS = "input:not([type=hidden]), select, textarea"


def pattern_problems(html: BeautifulSoup) -> list[str]:
    """What is wrong with a page showing a form's errors, measured against the pattern."""
    problems = []
    summary = html.select_one(".error-summary")
    if summary is None:
        return ["no error summary"]
    if summary.get("role") != "alert" or summary.get("tabindex") != "-1":
        problems.append("the summary is not role=alert with tabindex=-1")
    if not html.title.get_text().startswith("Error: "):
        problems.append(f"title {html.title.get_text()!r}")
    for link in summary.select("a"):
        target = html.find(id=link["href"][1:])
        if target is None:
            problems.append(f"{link['href']} names no element")
        elif not (target.name in {"input", "select", "textarea"} or target.select_one(FIELDS)):
            problems.append(f"{link['href']} is not a field or a group of fields")
    described = {
        ident
        for element in html.select("[aria-describedby]")
        for ident in element["aria-describedby"].split()
    }
    problems += [f"aria-describedby names a missing #{i}" for i in described if html.find(id=i) is None]
    problems += [
        f"message {m.get_text(strip=True)!r} is not tied to its field"
        for m in html.select(".error-message")
        if m.get("id") not in described
    ]
    repeated = [i for i, n in Counter(e["id"] for e in html.select("[id]")).items() if n > 1]
    problems += [f"id {i} is used twice" for i in repeated]
    return problems


def test_an_empty_idea_form(client: FlaskClient, login_as: Any) -> None:
    login_as(UserFactory())
    response = client.post("/improvements/new", data={"title": "Bins", "problem": ""})
    assert response.status_code == 422
    html = page(response)
    assert pattern_problems(html) == []
    assert html.select_one("#title")["value"] == "Bins"
    links = [a["href"] for a in html.select(".error-summary a")]
    assert "#benefit_drivers" in links and "#problem" in links  # a group links to its fieldset


def test_a_triage_decision_without_a_decision(client: FlaskClient, login_as: Any) -> None:
    idea = ImprovementFactory()
    login_as(UserFactory(design_authority=True))
    response = client.post(f"/triage/{idea.id}", data={"rationale": "Needs numbers first."})
    assert response.status_code == 422
    html = page(response)
    assert pattern_problems(html) == []
    fieldset = html.select_one("fieldset#decision")
    assert "decision-error" in fieldset["aria-describedby"].split()
    assert html.select_one("#rationale").get_text().strip() == "Needs numbers first."
    # Each choice keeps its own hint.
    first = html.select_one("#decision-0")
    assert html.find(id=first["aria-describedby"]).get_text(strip=True)


def test_sign_in_and_password_forms(client: FlaskClient, login_as: Any) -> None:
    assert pattern_problems(page(client.post("/sign-in", data={"email": "", "password": ""}))) == []
    login_as(UserFactory())
    assert pattern_problems(page(client.post("/account/password", data={}))) == []


class _Condition(PlainForm):
    text = StringField("What must be done")
    owner = StringField("Owner")


class _DecisionForm(FlaskForm):
    class Meta:
        csrf = False

    decision = RadioField("Decision", choices=[SelectChoice("go", "Go"), SelectChoice("stop", "Stop")])
    title = StringField("Title", description="Up to 200 characters.")
    version = HiddenField()
    conditions = FieldList(FormField(_Condition), min_entries=2)


SUMMARY_AND_FIELDS = """
{% from "macros/forms.html" import error_summary, input, radios %}
<title>x</title>
{{ error_summary(form) }}
{{ radios(form.decision) }}
{{ input(form.title) }}
{% for row in form.conditions %}{{ input(row.form.text) }}{{ input(row.form.owner) }}{% endfor %}
"""


def test_the_summary_links_nested_fields_and_leaves_hidden_and_form_errors_as_text(app: Flask) -> None:
    with app.test_request_context():
        form = _DecisionForm()
        form.decision.errors = ["Choose a decision."]
        form.title.errors = ["Enter a title.", "Use letters, not only numbers."]
        form.version.errors = ["Someone else changed this. Check and try again."]
        form.conditions.entries[1].form.owner.errors = ["Choose an owner."]
        form.form_errors.append("The gate's criteria are not met.")
        html = BeautifulSoup(render_template_string(SUMMARY_AND_FIELDS, form=form), "html.parser")
    items = html.select(".error-summary li")
    assert [li.get_text(strip=True) for li in items][0] == "The gate's criteria are not met."
    links = {a.get_text(strip=True): a["href"] for a in html.select(".error-summary a")}
    assert links == {
        "Choose a decision.": "#decision",
        "Enter a title.": "#title",
        "Use letters, not only numbers.": "#title",
        "Choose an owner.": "#conditions-1-owner",
    }
    plain = [li.get_text(strip=True) for li in items if li.a is None]
    assert plain == ["The gate's criteria are not met.", "Someone else changed this. Check and try again."]
    # Two messages on one field: two ids, both named, after the hint.
    assert html.select_one("#title")["aria-describedby"] == "title-hint title-error title-error-2"
    assert html.select_one("#conditions-1-owner")["aria-describedby"] == "conditions-1-owner-error"
    assert html.select_one("fieldset#decision")["aria-describedby"] == "decision-error"
    problems = [p for p in pattern_problems(html) if not p.startswith("title")]
    assert problems == []
