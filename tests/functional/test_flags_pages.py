"""The flags page (escalations first, for the design authority), the job-runs page and the flags API's
filters."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from changeauth.jobs import get_job
from changeauth.jobs.runner import run_job
from changeauth.services import users as user_service
from tests.factories import BenefitFactory, ImprovementFactory, UserFactory
from tests.helpers import page


def test_escalations_show_on_the_flags_page_with_a_link(
    client: FlaskClient, login_as: Any, app: Flask
) -> None:
    benefit = BenefitFactory(
        improvement=ImprovementFactory(delivery=True),
        baseline_date=date(2026, 1, 31),
        title="Calls about bins",
    )
    with app.app_context():
        run_job(get_job("stale-benefits"), date(2026, 11, 29))
    login_as(UserFactory(design_authority=True))
    html = page(client.get("/flags"))
    escalations = html.find("h2", string="Escalated benefits").find_next("table")
    link = escalations.find("a", string="Calls about bins")
    assert link is not None and link["href"] == f"/benefits/{benefit.id}"
    resolved_only = page(client.get("/flags", query_string={"status": "resolved"}))
    assert "0 flags" in resolved_only.get_text()


def test_the_job_runs_page_is_for_admins_and_viewers(client: FlaskClient, login_as: Any, app: Flask) -> None:
    with app.app_context():
        run_job(get_job("hold-reviews"), date(2026, 11, 29))
    login_as(UserFactory(admin=True))
    text = page(client.get("/job-runs")).get_text(" ")
    assert (
        "Holds past their review date" in text
        and "hold-reviews" not in text
        and "2026-11-29" in text
        and "Completed" in text
    )
    login_as(UserFactory(design_authority=True))
    assert client.get("/job-runs").status_code == 403
    login_as(UserFactory())
    assert client.get("/flags").status_code == 403


def test_the_flags_api_refuses_an_unknown_kind(client: FlaskClient, db_session: Any) -> None:
    user = UserFactory()
    token, _ = user_service.issue_api_token(user, name="t", actor_id=user.id)
    db_session.commit()
    response = client.get(
        "/api/v1/flags", query_string={"kind": "gremlins"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422 and "kind" in response.get_json()["error"]["fields"]
