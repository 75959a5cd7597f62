"""The privacy notice (issue 25, item 4): public, linked from every footer, stating what is held, why,
for how long (the retention schedule in force) and how to ask, with the council's details."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.factories import UserFactory
from tests.functional.test_headers import assert_security_headers
from tests.helpers import page


def test_anyone_can_read_it_without_signing_in(client: FlaskClient) -> None:
    response = client.get("/privacy")
    assert response.status_code == 200
    assert_security_headers(response)
    html = page(response)
    assert html.h1.get_text(strip=True) == "Privacy notice for Change authority"
    headings = [h.get_text(strip=True) for h in html.select("main h2")]
    assert headings == [
        "What we hold about you",
        "Why we hold it",
        "How long we keep it",
        "How to ask for your information",
    ]


def test_it_states_the_retention_schedule_in_force(app: Any, client: FlaskClient, monkeypatch: Any) -> None:
    rows = {
        tr.select("td")[0].get_text(strip=True): tr.select("td")[1].get_text(strip=True)
        for tr in page(client.get("/privacy")).select("main table tbody tr")
    }
    assert rows["Records of scheduled job runs"] == "30 days"
    assert rows["Notifications shown or emailed to people"] == "1 year"
    monkeypatch.setitem(
        app.config, "RETENTION_DAYS", {**app.config["RETENTION_DAYS"], "job_runs": 7, "notifications": 0}
    )
    monkeypatch.setitem(app.config, "LEAVER_ANONYMISE_AFTER_DAYS", 45)
    html = page(client.get("/privacy"))
    rows = {
        tr.select("td")[0].get_text(strip=True): tr.select("td")[1].get_text(strip=True)
        for tr in html.select("main table tbody tr")
    }
    assert rows["Records of scheduled job runs"] == "7 days"
    assert rows["Notifications shown or emailed to people"] == "for ever"
    assert "removed 45 days later" in html.main.get_text(" ", strip=True)


def test_it_gives_the_councils_details_from_configuration(
    app: Any, client: FlaskClient, monkeypatch: Any
) -> None:
    monkeypatch.setitem(app.config, "ORG_NAME", "Example District Council")
    monkeypatch.setitem(app.config, "PRIVACY_CONTACT", "information.requests@example.gov.uk")
    monkeypatch.setitem(app.config, "DATA_PROTECTION_OFFICER", "Alex Rivers, dpo@example.gov.uk")
    monkeypatch.setitem(app.config, "PRIVACY_ADDRESS", "Council Offices, High Street, Exampleton EX1 1AA")
    text = page(client.get("/privacy")).main.get_text(" ", strip=True)
    assert "Example District Council is the controller of this information." in text
    for detail in (
        "information.requests@example.gov.uk",
        "Alex Rivers, dpo@example.gov.uk",
        "Exampleton EX1 1AA",
    ):
        assert detail in text
    assert "ico.org.uk/make-a-complaint" in text


def test_every_footer_links_to_it(client: FlaskClient, login_as: Any) -> None:
    def link(response: Any) -> Any:
        return page(response).select_one("footer a[href='/privacy']")

    assert link(client.get("/sign-in")).get_text(strip=True) == "Privacy notice"
    assert link(client.get("/no-such-page")) is not None
    login_as(UserFactory())
    assert link(client.get("/")) is not None
    assert link(client.get("/privacy")) is not None
