"""The dashboard: who may see it, and its open flags. Every chart with its alt text and its table, the
worked example's figures (report §3.2) and the constant number of queries are in
test_reports_dashboard_worked_example.py, which loads the example once for its tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import UserFactory
from tests.helpers import page

AS_OF = date(2026, 11, 29)
SECTIONS = ("pipeline", "benefits", "flags", "resources", "maturity", "programmes")


def _cells(table: Any) -> dict[str, list[str]]:
    return {
        tr.select_one("th").get_text(strip=True): [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in table.select("tbody tr")
    }


@pytest.mark.parametrize("role", ["viewer", "manager", "design_authority", "finance", "admin"])
def test_viewers_and_everyone_above_see_it_in_the_navigation(
    client: FlaskClient, login_as: Any, role: str
) -> None:
    login_as(UserFactory(**{role: True}))
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert any(a.get("href") == "/dashboard" for a in page(response).select("nav a"))


def test_staff_without_a_reporting_role_are_refused(client: FlaskClient, login_as: Any) -> None:
    login_as(UserFactory())
    home = page(client.get("/"))
    assert not any(a.get("href") == "/dashboard" for a in home.select("a"))
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/pipeline.png").status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client: FlaskClient) -> None:
    assert client.get("/dashboard").status_code == 302
    assert client.get("/dashboard/benefits.png").status_code == 302


def test_unknown_chart_is_not_found(client: FlaskClient, login_as: Any) -> None:
    login_as(UserFactory(viewer=True))
    assert client.get("/dashboard/secrets.png").status_code == 404


def test_the_scrutiny_report_is_for_viewers_and_above(client: FlaskClient, login_as: Any) -> None:
    login_as(UserFactory())
    assert client.get("/reports/scrutiny").status_code == 403


def test_open_flags_are_counted_and_resolved_ones_are_not(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    from changeauth.models import Flag

    db_session.add_all(
        [
            Flag(kind="stale_benefit", subject_type="benefit", subject_id=1, raised_on=AS_OF),
            Flag(kind="stale_benefit", subject_type="benefit", subject_id=2, raised_on=AS_OF),
            Flag(kind="triage_overdue", subject_type="improvement", subject_id=1, raised_on=AS_OF),
            Flag(
                kind="triage_overdue",
                subject_type="improvement",
                subject_id=2,
                raised_on=AS_OF,
                resolved_on=AS_OF,
            ),
        ]
    )
    db_session.flush()
    login_as(UserFactory(viewer=True))
    flags = _cells(page(client.get("/dashboard")).select_one("#flags-table"))
    assert (
        flags["Benefit measurement overdue"] == ["2"]
        and flags["Idea waiting for triage"] == ["1"]
        and flags["Hold due a review"] == ["0"]
    )
    scrutiny = _cells(page(client.get("/reports/scrutiny")).select_one("#scrutiny-flags"))
    assert scrutiny == {"Benefit measurement overdue": ["2"], "Idea waiting for triage": ["1"]}
